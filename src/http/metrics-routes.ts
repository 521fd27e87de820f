import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { MetricsExposition } from '../metrics/metrics.js';
import { errorBody } from './error-handler.js';

export interface MetricsRouteDeps {
  metrics: MetricsExposition;
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  token: string | null;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares digests so the time taken says nothing about how much of the token matched. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

/** Prometheus text exposition at /metrics. Even counts say something about users: never public unguarded. */
export function metricsRoutes(deps: MetricsRouteDeps) {
  return async (app: FastifyInstance) => {
    app.get(
      '/metrics',
      {
        logLevel: 'warn',
        config: {
          doc: {
            summary: 'Prometheus metrics',
            description:
              'Served on METRICS_PORT when set; otherwise on the public port only when METRICS_TOKEN is set, behind that bearer token.',
            tags: ['operations'],
            security: deps.token ? 'bearer' : undefined,
            responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
            errors: deps.token ? ['UNAUTHORIZED'] : [],
          },
        },
      },
      async (request, reply) => {
        if (deps.token !== null && !bearerMatches(request.headers.authorization, deps.token)) {
          return reply.status(401).header('WWW-Authenticate', 'Bearer').send(errorBody('UNAUTHORIZED'));
        }
        return reply.header('Content-Type', deps.metrics.contentType).send(await deps.metrics.render());
      },
    );
  };
}
