import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MetricsExposition } from '../metrics/metrics.js';
import { registerErrorHandling } from './error-handler.js';
import { metricsRoutes } from './metrics-routes.js';

/**
 * /metrics on a port of its own (METRICS_PORT), for scrapers on a private network: served by the
 * node itself, or by a cluster's primary for all its workers.
 */
export function buildMetricsApp(metrics: MetricsExposition, token: string | null, log: Logger): FastifyInstance {
  const metricsLog: FastifyBaseLogger = log.child({});
  // Scrapes come every few seconds: no line per request.
  const app = Fastify({
    loggerInstance: metricsLog,
    logController: new LogController({ disableRequestLogging: true }),
  });
  registerErrorHandling(app);
  void app.register(metricsRoutes({ metrics, token }));
  return app;
}
