import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Core } from '../core.js';
import { HTTP_BODY_LIMIT_BYTES, HTTP_REQUEST_TIMEOUT_MS, READINESS_PROBE_TIMEOUT_MS } from '../defaults.js';
import type { Part } from '../lib/part.js';
import { packageVersion } from '../lib/version.js';
import type { MetricsExposition } from '../metrics/metrics.js';
import { registerErrorHandling } from './error-handler.js';
import { builtPageDir } from './built-page.js';
import { registerClientLimits } from './client-limits.js';
import { clientErrorHandler, frameworkErrors } from './framework-errors.js';
import { clientConfigRoutes } from './client-config-routes.js';
import { healthRoutes } from './health-routes.js';
import { imageRoutes } from './image-routes.js';
import { trackInFlight } from './in-flight.js';
import { buildMetricsApp } from './metrics-app.js';
import { metricsRoutes } from './metrics-routes.js';
import { registerOpenApi } from './openapi.js';
import { pageRoutes } from './page-routes.js';
import { probeRoutes } from './probe-routes.js';
import { RequestLogController } from './request-log.js';
import { roomRoutes } from './room-routes.js';
import { trackUnusedConnections } from './unused-connections.js';

/** The REST API (and /metrics), built but not listening: `listen` opens it once every part has started. */
export interface HttpTransport extends Part {
  app: FastifyInstance;
  /** Listens on the public port (and METRICS_PORT when set); resolves with the base URL. */
  listen(port: number, host: string): Promise<string>;
}

/**
 * Builds the Fastify app from the core's services. Draining turns /readyz to 503, closes every
 * answer's connection and stops listening; stopping waits for the requests already taken.
 */
export function buildHttpTransport(
  config: Config,
  core: Core,
  log: Logger,
  exposition: MetricsExposition = core.metrics,
): HttpTransport {
  let draining = false;
  let closed: Promise<unknown> = Promise.resolve();
  let closeLater = false;
  // A logger of its own, whose "Server listening at" lines can be silenced (see `quietly`); typed as
  // Fastify's so the instance is a plain FastifyInstance (an annotation, not a cast).
  const httpLog: FastifyBaseLogger = log.child({});
  const app = Fastify({
    loggerInstance: httpLog,
    logController: new RequestLogController(),
    bodyLimit: HTTP_BODY_LIMIT_BYTES,
    requestTimeout: HTTP_REQUEST_TIMEOUT_MS,
    // Request ids are counters, not derived from anything about the client.
    requestIdHeader: false,
    clientErrorHandler: clientErrorHandler(httpLog),
    frameworkErrors,
  });
  const unusedConnections = trackUnusedConnections(app.server);
  const inFlight = trackInFlight(app);
  registerErrorHandling(app);
  const { limits } = core;
  registerClientLimits(app, {
    addresses: limits.clientAddresses,
    hasher: limits.hasher,
    limits: limits.addresses,
    metrics: core.metrics,
  });
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
    // An OPTIONS without a preflight's headers is answered as one (204, granting nothing), not
    // with the plugin's plain-text 400: every answer of ours is JSON in our shape or succeeds.
    strictPreflight: false,
  });
  const { rooms, messages, images, stores, clock: now } = core;
  void app.register(
    healthRoutes({ rooms, store: stores.health, now, resumes: () => ({ ...core.metrics.resumeCounts }) }),
  );
  void app.register(roomRoutes({ rooms, messages, now }));
  void app.register(
    imageRoutes({
      images,
      stage: (source) => core.staging.stage(source),
      maxUploadBytes: config.media.maxUploadBytes,
      maxTtlSeconds: config.limits.maxTtlSeconds,
      uploadIdleTimeoutMs: config.media.uploadIdleTimeoutMs,
      downloads: {
        max: config.media.maxImageDownloads,
        perAddress: config.clientLimits.address.imageDownloads,
        idleMs: config.media.downloadIdleTimeoutMs,
      },
      addressOf: (request) =>
        limits.hasher.current(
          limits.clientAddresses.resolve(request.raw.socket.remoteAddress, request.headers['x-forwarded-for']),
        ),
      now,
    }),
  );
  void app.register(
    clientConfigRoutes({ version: packageVersion, ...config.limits, maxImageBytes: config.media.maxUploadBytes }),
  );
  void app.register(pageRoutes({ dir: builtPageDir, pageOrigins: config.pageOrigins }));
  void app.register(
    probeRoutes({ store: stores.health, draining: () => draining, probeTimeoutMs: READINESS_PROBE_TIMEOUT_MS }),
  );
  // Metrics stay off the public port unless a token guards them there.
  if (config.metrics.port === null && config.metrics.token !== null) {
    void app.register(metricsRoutes({ metrics: exposition, token: config.metrics.token }));
  }
  const metricsApp = config.metrics.port === null ? null : buildMetricsApp(exposition, config.metrics.token, log);

  return {
    name: 'http',
    app,
    async start() {
      await app.ready();
      await metricsApp?.ready();
    },
    async listen(port, host) {
      const url = await quietly(app, () => app.listen({ port, host }));
      if (metricsApp && config.metrics.port !== null) {
        const metricsPort = config.metrics.port;
        await quietly(metricsApp, () => metricsApp.listen({ port: metricsPort, host: config.metrics.host }));
      }
      return url;
    },
    async drain() {
      // Drain: /readyz turns 503 and no new connection or request is taken; what was accepted finishes.
      draining = true;
      // Stops listening at once; resolves after in-flight requests (uploads) have been answered. A
      // cluster worker's server never listened (its primary stopped accepting instead): closing it
      // now would emit 'close' at once, on which engine.io drops every socket before the realtime
      // part told it to reconnect; it closes in stop, once its requests are answered.
      if (app.server.listening) closed = app.close().catch(() => undefined);
      else closed = inFlight.idle().then(() => (closeLater = true));
    },
    async stop() {
      // Keep-alive sockets that went idle since the listener closed (answered before the hook saw them).
      app.server.closeIdleConnections();
      unusedConnections.closeAll();
      await closed;
      if (closeLater) await app.close().catch(() => undefined);
      await metricsApp?.close();
    },
  };
}

/**
 * Runs `listen` with the app's own logger silenced: Fastify logs one "Server listening at" line per
 * address, which the one start-up line (server.ts) replaces. Nothing else logs meanwhile.
 */
async function quietly<T>(app: FastifyInstance, listen: () => Promise<T>): Promise<T> {
  const level = app.log.level;
  app.log.level = 'silent';
  try {
    return await listen();
  } finally {
    app.log.level = level;
  }
}
