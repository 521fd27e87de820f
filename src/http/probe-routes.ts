import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { withTimeout } from '../lib/timeout.js';
import type { StoreHealth } from '../store/store-health.js';

export interface ProbeDeps {
  store: StoreHealth;
  /** True once shutdown began: the node should get no new traffic. */
  draining: () => boolean;
  probeTimeoutMs: number;
}

export const LiveResponse = z.object({ status: z.literal('ok') });
export const ReadyResponse = z.object({
  status: z.enum(['ready', 'not-ready']),
  store: z.enum(['memory', 'redis']),
  reason: z.enum(['draining', 'store-unavailable']).optional(),
});

/** Orchestrator probes: /livez says the process serves HTTP; /readyz that it can do useful work. */
export function probeRoutes(deps: ProbeDeps) {
  return async (app: FastifyInstance) => {
    // Probes come every few seconds: their request log lines would drown everything else.
    const quiet = { logLevel: 'warn' as const };

    app.get(
      '/livez',
      {
        ...quiet,
        config: {
          doc: {
            summary: 'Liveness: the process is up and serving HTTP',
            tags: ['health'],
            responses: { 200: { description: 'Alive', schema: LiveResponse } },
          },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        ...quiet,
        config: {
          doc: {
            summary: 'Readiness: the store answers and the node is not shutting down',
            tags: ['health'],
            responses: {
              200: { description: 'Ready for traffic', schema: ReadyResponse },
              503: { description: 'Draining, or the store does not answer', schema: ReadyResponse },
            },
          },
        },
      },
      async (_request, reply) => {
        const store = deps.store.kind;
        const notReady = (reason: 'draining' | 'store-unavailable') =>
          reply.status(503).send({ status: 'not-ready', store, reason } satisfies z.infer<typeof ReadyResponse>);
        if (deps.draining()) return notReady('draining');
        if (deps.store.state() === 'disconnected') return notReady('store-unavailable');
        try {
          await withTimeout(deps.store.roundTrip(), deps.probeTimeoutMs, 'store probe timed out');
        } catch {
          return notReady('store-unavailable');
        }
        return { status: 'ready', store } satisfies z.infer<typeof ReadyResponse>;
      },
    );
  };
}
