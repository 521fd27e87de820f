import cluster from 'node:cluster';
import { EventEmitter } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { setupMaster } from '@socket.io/sticky';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { PRIMARY_FIRST_BYTES_TIMEOUT_MS } from '../defaults.js';
import { closeOnSignals } from '../shutdown.js';
import { startupLine } from '../startup-line.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { isGhostChatMessage, type FromWorker } from './ipc.js';
import { WorkerPool } from './worker-pool.js';

const UNAVAILABLE = 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/**
 * The primary of a cluster (WORKERS > 1): it owns the port and routes each connection to a worker
 * by its socket.io session (@socket.io/sticky), so the polls and posts of one long-polling client
 * all reach the worker that holds its session. It serves nothing itself but the cluster's
 * /metrics on METRICS_PORT. SIGTERM stops accepting and drains every worker.
 */
export async function runPrimary(config: Config, log: Logger, entry: string): Promise<void> {
  const pool = new WorkerPool({ size: config.workers, entry, env: config.workerEnv, log });
  const metrics = new ClusterMetrics(() => pool.ready());
  cluster.on('message', (worker, message) => {
    if (isGhostChatMessage<FromWorker>(message) && message.ghostchat === 'metrics-wanted')
      metrics.answer(worker, message.id);
  });
  try {
    await pool.start();
  } catch (err) {
    pool.kill();
    throw err;
  }

  // The sticky router listens only for 'connection' events: it is handed those the primary lets
  // through, from a plain TCP listener (no HTTP parser in the primary: it reads the first bytes).
  const router = new EventEmitter();
  setupMaster(router as unknown as HttpServer, { loadBalancingMethod: 'least-connection' });
  let draining = false;
  const waiting = new Set<Socket>();
  const listener = createServer((socket) => {
    // A connection reset before it is handed on must not take the primary down with it.
    socket.on('error', () => socket.destroy());
    waiting.add(socket);
    socket.once('close', () => waiting.delete(socket));
    socket.setTimeout(PRIMARY_FIRST_BYTES_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      waiting.delete(socket);
      socket.setTimeout(0);
      if (pool.ready().length === 0 || (draining && !continuesSession(first))) return void socket.end(UNAVAILABLE);
      handOn(router, socket, first);
    });
  });
  await listen(listener, config.port, config.host);
  const metricsApp = await serveMetrics(config, metrics, log);

  closeOnSignals(
    async () => {
      // New sessions and requests are refused from now on (503: a load balancer tries another
      // node), but the polls of sessions the workers still hold reach them: a long-polling client
      // gets its reconnect notice with its next poll. The port closes once every worker is done.
      draining = true;
      const clean = await pool.stop();
      listener.close();
      for (const socket of waiting) socket.destroy();
      await metricsApp?.close();
      if (!clean) throw new Error('a worker did not shut down cleanly');
    },
    {
      timeoutMs: config.shutdownTimeoutMs,
      log,
      exit: (code) => {
        pool.kill();
        process.exit(code);
      },
    },
  );
  const address = listener.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info(
    {
      ...startupLine(config, { port, host: config.host, store: config.redis ? 'redis' : 'memory' }),
      workers: config.workers,
      pid: process.pid,
    },
    'GhostChat listening',
  );
}

/**
 * Gives a connection and its first bytes to the sticky router, which routes on them (by session
 * id, else to the least busy worker) and passes the socket on. Node passes a socket to a worker
 * without stopping its reads, and drops what it reads until the worker acknowledges it: on a busy
 * machine that was the client's next packet (its socket.io CONNECT, which then never arrived). So
 * the socket stops reading first, and reads on only where the router keeps it in the primary (a
 * request whose body may follow in more chunks, which it forwards over IPC).
 */
function handOn(router: EventEmitter, socket: Socket, first: Buffer): void {
  socket.pause();
  const handle = (socket as unknown as { _handle?: { reading?: boolean; readStop(): number } | null })._handle;
  if (handle?.reading) {
    handle.reading = false;
    handle.readStop();
  }
  router.emit('connection', socket);
  socket.emit('data', first);
  if (mayHaveBody(first) && !socket.destroyed) socket.resume();
}

/** What the sticky router checks to keep a request in the primary: a declared body. */
function mayHaveBody(first: Buffer): boolean {
  const end = first.indexOf('\r\n\r\n');
  const head = first.toString('latin1', 0, end === -1 ? first.length : end).toLowerCase();
  return head.includes('content-length:') || head.includes('transfer-encoding:');
}

/** Whether a request belongs to a socket.io session (a poll, a post, an upgrade) rather than opening one. */
function continuesSession(firstBytes: Buffer): boolean {
  const requestLine = firstBytes.toString('latin1', 0, Math.min(firstBytes.length, 2048)).split('\r\n', 1)[0]!;
  return /[?&]sid=/.test(requestLine);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** METRICS_PORT, when set, is the primary's: one scrape answers for every worker. */
async function serveMetrics(config: Config, metrics: ClusterMetrics, log: Logger) {
  const { port, host, token } = config.metrics;
  if (port === null) return null;
  const { buildMetricsApp } = await import('../http/metrics-app.js');
  const app = buildMetricsApp(metrics, token, log);
  // Fastify logs one "Server listening" line per address; the primary's start-up line says it.
  app.log.level = 'silent';
  await app.listen({ port, host });
  app.log.level = log.level;
  return app;
}
