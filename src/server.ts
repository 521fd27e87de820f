import { randomBytes } from 'node:crypto';
import path from 'node:path';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Server as SocketServer } from 'socket.io';
import type { Config } from './config.js';
import { ExpiryService } from './domain/expiry-service.js';
import { ImageJanitor } from './domain/image-janitor.js';
import { ImageService } from './domain/image-service.js';
import { MessageService } from './domain/message-service.js';
import { PresenceKeeper } from './domain/presence-keeper.js';
import type { RoomEvents } from './domain/room-events.js';
import { RoomService } from './domain/room-service.js';
import { AppError } from './errors.js';
import { builtPageDir } from './http/built-page.js';
import { clientConfigRoutes } from './http/client-config-routes.js';
import { registerErrorHandling } from './http/error-handler.js';
import { imageRoutes } from './http/image-routes.js';
import { metricsRoutes } from './http/metrics-routes.js';
import { registerOpenApi } from './http/openapi.js';
import { pageRoutes } from './http/page-routes.js';
import { probeRoutes } from './http/probe-routes.js';
import { RequestLogController } from './http/request-log.js';
import { healthRoutes } from './http/health-routes.js';
import { roomRoutes } from './http/room-routes.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createIdGenerator } from './lib/ids.js';
import { Semaphore } from './lib/semaphore.js';
import { processImage } from './media/image-processor.js';
import { LocalMediaStore } from './media/local-media-store.js';
import { UploadStaging } from './media/upload-staging.js';
import { buildImageSchemas } from './protocol/image-schemas.js';
import { packageVersion } from './lib/version.js';
import { PrometheusMetrics } from './metrics/prometheus-metrics.js';
import { timedStores } from './metrics/timed-stores.js';
import { buildSchemas } from './protocol/schemas.js';
import { Gateway } from './realtime/gateway.js';
import { originAllowed } from './realtime/origin-check.js';
import { attachRedisAdapter } from './realtime/redis-adapter.js';
import { createMemoryStores } from './store/memory/memory-stores.js';
import { createRedisStores } from './store/redis/redis-stores.js';
import type { Stores } from './store/stores.js';

export interface GhostChatDeps {
  log: Logger;
  clock?: Clock;
}

export interface GhostChat {
  app: FastifyInstance;
  io: SocketServer;
  stores: Stores;
  expiry: ExpiryService;
  images: ImageService;
  /** Starts serving; resolves with the base URL. */
  listen(port: number, host: string): Promise<string>;
  /** Stops accepting, takes local participants out of their rooms, closes stores. */
  close(): Promise<void>;
}

/** How long start-up waits for the store before serving without it. */
const STORE_WAIT_MS = 3_000;

/** The composition root: builds stores, services and transports from Config. Never reads env. */
export function createGhostChat(config: Config, deps: GhostChatDeps): GhostChat {
  const { log } = deps;
  const clock = deps.clock ?? systemClock;
  const nodeId = randomBytes(6).toString('hex');
  const keepRoomMs = config.limits.maxTtlSeconds * 1000;
  const redisStores = config.redis
    ? createRedisStores(config.redis, {
        nodeId,
        log,
        presenceKeepMs: Math.max(keepRoomMs, 3_600_000),
        nodeTimeoutMs: config.heartbeatMs * 3,
      })
    : null;
  const metrics = new PrometheusMetrics();
  const stores: Stores = timedStores(redisStores ?? createMemoryStores(), metrics);
  let draining = false;

  const rooms = new RoomService(stores.presence, stores.rooms, stores.messages, clock, keepRoomMs);
  const messages = new MessageService(
    stores.messages,
    stores.presence,
    config.limits,
    clock,
    createIdGenerator(clock),
    metrics,
  );

  const media = new LocalMediaStore(config.media.uploadDir, config.media.maxUploadBytesTotal);
  // Inside the upload directory: the one place a read-only deployment is sure to be able to write.
  const staging = new UploadStaging(path.join(config.media.uploadDir, '.staging'), clock);
  const busy = () => new AppError('IMAGES_BUSY');
  const { maxConcurrentImages, maxQueuedImages } = config.media;
  const images = new ImageService({
    images: stores.images,
    media,
    messages,
    // Late-bound: the gateway is built below, with the socket server; nothing expires before listen().
    events: {
      messageExpired: (roomToken, messageId) => gateway.messageExpired(roomToken, messageId),
      participantLeft: (roomToken, agentId) => gateway.participantLeft(roomToken, agentId),
    },
    policy: { ...config.limits, maxUploadBytes: config.media.maxUploadBytes, maxPixels: config.media.maxImagePixels },
    clock,
    newId: createIdGenerator(clock),
    process: processImage,
    admission: new Semaphore(maxConcurrentImages + maxQueuedImages, 0, busy),
    // Its queue never fills: admission lets no more in than it has room for.
    gate: new Semaphore(maxConcurrentImages, maxQueuedImages, busy),
    log,
    metrics,
  });

  // A message that starts to burn takes its image along, on the image's own restart-proof schedule.
  messages.onBurn((messageIds, burnAt) => images.burnWithMessages(messageIds, burnAt));

  // Typed as Fastify's logger so the instance is a plain FastifyInstance (an annotation, not a cast).
  const httpLog: FastifyBaseLogger = log;
  const app = Fastify({
    loggerInstance: httpLog,
    logController: new RequestLogController(),
    bodyLimit: 64 * 1024,
    // Node's own bound on receiving a request, which Fastify turns off: an upload that trickles in
    // would otherwise hold its place among the images being received for ever.
    requestTimeout: 300_000,
    // Request ids are counters, not derived from anything about the client.
    requestIdHeader: false,
  });
  registerErrorHandling(app);
  registerOpenApi(app, { title: 'GhostChat', version: packageVersion });
  // While draining, every answer closes its connection: an idle keep-alive socket would otherwise
  // hold the listener open for Fastify's 72 s keep-alive timeout, far past SHUTDOWN_TIMEOUT_MS.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('Connection', 'close');
    done(null, payload);
  });
  void app.register(cors, {
    origin: config.allowedOrigins,
    methods: ['GET', 'POST', 'DELETE'],
    credentials: true,
  });
  const now = clock;
  void app.register(healthRoutes({ rooms, store: stores.health, now }));
  void app.register(roomRoutes({ rooms, messages, now }));
  void app.register(
    imageRoutes({
      images,
      stage: (source) => staging.stage(source),
      maxUploadBytes: config.media.maxUploadBytes,
      maxTtlSeconds: config.limits.maxTtlSeconds,
      now,
    }),
  );
  void app.register(
    clientConfigRoutes({ version: packageVersion, ...config.limits, maxImageBytes: config.media.maxUploadBytes }),
  );
  void app.register(pageRoutes({ dir: builtPageDir, pageOrigins: config.pageOrigins }));
  void app.register(probeRoutes({ store: stores.health, draining: () => draining, probeTimeoutMs: 1_000 }));
  // Metrics stay off the public port unless a token guards them there.
  if (config.metrics.port === null && config.metrics.token !== null) {
    void app.register(metricsRoutes({ metrics, token: config.metrics.token }));
  }
  const metricsApp = config.metrics.port === null ? null : buildMetricsApp(metrics, config.metrics.token, log);

  const io = new SocketServer(app.server, {
    cors: { origin: config.allowedOrigins, methods: ['GET', 'POST'], credentials: true },
    allowRequest: (request, callback) =>
      callback(null, originAllowed(request, config.allowedOrigins, config.pageOrigins)),
    maxHttpBufferSize: config.limits.maxSocketPayloadBytes,
    serveClient: false,
  });
  const closeAdapter =
    redisStores && config.redis
      ? attachRedisAdapter(io, redisStores.client, config.redis.keyPrefix, log)
      : async () => {};
  const gatewayImages = {
    service: images,
    schemas: buildImageSchemas({ ...config.limits, maxImageBytes: config.media.maxUploadBytes }),
    maxImageBytes: config.media.maxUploadBytes,
  };
  const gateway = new Gateway(
    { io, rooms, messages, schemas: buildSchemas(config.limits), images: gatewayImages, metrics },
    log,
    { nodeId, maxPendingPerConnection: 256 },
  );
  stores.onReconnect(() => {
    log.info({ event: 'store-reconnected' }, 'store back; restoring presence');
    void gateway.restorePresence();
  });
  // A message that expires (TTL or burn) takes its image with it; the image's own schedule backs this up.
  const expiryEvents: RoomEvents = {
    messageExpired: (roomToken, messageId) => {
      gateway.messageExpired(roomToken, messageId);
      images.messageExpired(messageId).catch((err: Error) => {
        log.warn({ event: 'image-expiry-failed', err: err.message }, 'image of an expired message not removed yet');
      });
    },
    participantLeft: (roomToken, agentId) => gateway.participantLeft(roomToken, agentId),
  };
  const expiry = new ExpiryService(
    stores.messages,
    expiryEvents,
    clock,
    log,
    { pollMs: config.expiryPollMs, batchSize: 1000 },
    (lagMs) => metrics.messageExpired(lagMs),
  );
  const janitor = new ImageJanitor(images, log, {
    pollMs: config.expiryPollMs,
    batchSize: 1000,
    sweepMs: config.media.orphanSweepMs,
    sweepMinAgeMs: 60_000,
    sweepStaging: () => staging.sweep(),
  });
  const keeper = new PresenceKeeper(stores.presence, gateway, clock, log, config.heartbeatMs);
  metrics.collectFrom({
    connections: () => gateway.connectionCount,
    totals: () => stores.presence.totals(),
    storeState: () => stores.health.state(),
  });

  return {
    app,
    io,
    stores,
    expiry,
    images,
    async listen(port, host) {
      if (!(await stores.ready(STORE_WAIT_MS))) {
        log.warn({ event: 'store-unavailable-at-start' }, 'store not reachable; serving anyway and retrying');
      }
      await media.init();
      await staging.init();
      const address = await app.listen({ port, host });
      if (metricsApp && config.metrics.port !== null) {
        await metricsApp.listen({ port: config.metrics.port, host: config.metrics.host });
      }
      expiry.start();
      janitor.start();
      keeper.start();
      log.info({ event: 'listening', port: app.server.address(), store: stores.health.kind }, 'GhostChat listening');
      return address;
    },
    async close() {
      // Drain: /readyz turns 503 and no new connection or request is taken; what was accepted finishes.
      draining = true;
      // Stops listening at once; resolves after in-flight requests (uploads) have been answered.
      const httpClosed = app.close();
      await gateway.drain();
      await gateway.releaseAll();
      await gateway.dismissAll();
      await expiry.stop();
      await janitor.stop();
      await keeper.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // Keep-alive sockets that went idle since the listener closed (answered before the hook saw them).
      app.server.closeIdleConnections();
      await httpClosed.catch(() => undefined);
      await closeAdapter();
      await metricsApp?.close();
      await stores.close();
    },
  };
}

/** /metrics on a port of its own (METRICS_PORT), for scrapers on a private network. */
function buildMetricsApp(metrics: PrometheusMetrics, token: string | null, log: FastifyBaseLogger): FastifyInstance {
  // Scrapes come every few seconds: no line per request.
  const app = Fastify({ loggerInstance: log, logController: new LogController({ disableRequestLogging: true }) });
  registerErrorHandling(app);
  void app.register(metricsRoutes({ metrics, token }));
  return app;
}
