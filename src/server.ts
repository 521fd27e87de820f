import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { buildCore } from './core.js';
import type { ExpiryService } from './domain/expiry-service.js';
import type { ImageService } from './domain/image-service.js';
import { buildHttpTransport } from './http/http-transport.js';
import { systemClock, type Clock } from './lib/clock.js';
import { startParts, stopParts } from './lib/part.js';
import type { MetricsExposition } from './metrics/metrics.js';
import type { PrometheusMetrics } from './metrics/prometheus-metrics.js';
import { buildRealtimeTransport } from './realtime/realtime-transport.js';
import type { GhostChatServer } from './realtime/typed-socket.js';
import { startupLine } from './startup-line.js';
import type { Stores } from './store/stores.js';

export interface GhostChatDeps {
  log: Logger;
  clock?: Clock;
  /** What /metrics serves; this process's own metrics unless given (a cluster worker serves the cluster's). */
  exposition?: MetricsExposition;
}

export interface GhostChat {
  app: FastifyInstance;
  io: GhostChatServer;
  stores: Stores;
  expiry: ExpiryService;
  images: ImageService;
  metrics: PrometheusMetrics;
  /** This process's id in shared presence (connection ids start with it). */
  nodeId: string;
  /** Starts every part without opening a port (a cluster worker is handed its connections). Runs once. */
  start(): Promise<void>;
  /** Starts every part, then serves; resolves with the base URL. */
  listen(port: number, host: string): Promise<string>;
  /** Takes the participants of a node known to have died out of their rooms now; resolves with their number. */
  departNode(nodeId: string): Promise<number>;
  /** Stops accepting, takes local participants out of their rooms, closes stores. Runs once. */
  close(): Promise<void>;
}

/**
 * The composition root: three parts built from Config (never from env), started in order and
 * stopped in reverse. The core holds stores, domain services and background tasks; the realtime
 * gateway and the HTTP app are transports over it, and hear from the domain only through its
 * events (core.events). Only `listen` opens a port, once every part has started.
 */
export function createGhostChat(config: Config, deps: GhostChatDeps): GhostChat {
  const { log } = deps;
  const core = buildCore(config, log, deps.clock ?? systemClock);
  const http = buildHttpTransport(config, core, log, deps.exposition ?? core.metrics);
  const realtime = buildRealtimeTransport(config, core, http.app.server, log);
  // Realtime before HTTP: no connection arrives before the gateway is ready, and on shutdown the
  // listener closes first, then clients are dismissed, then the core's tasks and stores stop.
  const parts = [core, realtime, http];
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const start = () => (starting ??= startParts(parts));

  return {
    app: http.app,
    io: realtime.io,
    stores: core.stores,
    expiry: core.expiry,
    images: core.images,
    metrics: core.metrics,
    nodeId: core.nodeId,
    start,
    departNode: (nodeId) => core.departNode(nodeId),
    async listen(port, host) {
      await start();
      const url = await http.listen(port, host);
      const address = http.app.server.address();
      const boundPort = typeof address === 'object' && address ? address.port : port;
      log.info(startupLine(config, { port: boundPort, host, store: core.stores.health.kind }), 'GhostChat listening');
      return url;
    },
    close() {
      return (closing ??= stopParts(parts));
    },
  };
}
