import cluster from 'node:cluster';
import { setupWorker } from '@socket.io/sticky';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createGhostChat } from '../server.js';
import { closeOnSignals } from '../shutdown.js';
import { answerMetricsCollects, clusterExposition, toPrimary } from './cluster-metrics.js';
import { isGhostChatMessage, type FromPrimary } from './ipc.js';

/**
 * One worker of a cluster (WORKERS > 1): the whole server, started without a port of its own. The
 * primary hands it connections (@socket.io/sticky: a socket.io session's requests all reach the
 * worker that holds the session), and it shares rooms with the other workers through Redis, as a
 * node does with other nodes. SIGTERM runs the same graceful shutdown as a single process.
 */
export async function runWorker(config: Config, baseLog: Logger): Promise<void> {
  const workerId = cluster.worker?.id ?? 0;
  const log = baseLog.child({ worker: workerId });
  const server = createGhostChat(config, { log, exposition: clusterExposition() });
  answerMetricsCollects(server.metrics.registry);
  await server.start();
  setupWorker(server.io);
  process.on('message', (message: unknown) => {
    if (isGhostChatMessage<FromPrimary>(message) && message.ghostchat === 'node-gone') {
      server.departNode(message.nodeId).then(
        (left) => log.info({ event: 'node-departed', nodeId: message.nodeId, left }, 'dead worker left its rooms'),
        (err: Error) => log.warn({ event: 'node-depart-failed', err: err.message }, 'dead worker not yet removed'),
      );
    }
  });
  closeOnSignals(() => server.close(), {
    timeoutMs: config.shutdownTimeoutMs,
    log,
    // The last responses and notices may still be on their way to the primary: they go first.
    exit: (code) => toPrimary({ ghostchat: 'stopped' }, () => process.exit(code)),
  });
  log.info({ event: 'worker-ready', pid: process.pid, nodeId: server.nodeId }, 'GhostChat worker ready');
  toPrimary({ ghostchat: 'ready', nodeId: server.nodeId });
}
