import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RoomService } from '../domain/room-service.js';
import type { StoreHealth } from '../store/store-health.js';
import type { RouteDoc } from './route-doc.js';

export interface HealthDeps {
  rooms: RoomService;
  store: StoreHealth;
  now: () => number;
  /** This process's resumes of dropped connections so far, by outcome. */
  resumes: () => { recovered: number; gap: number; refused: number };
}

export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  timestamp: z.iso.datetime(),
  activeRooms: z.int().min(0),
  totalParticipants: z.int().min(0),
  redis: z.enum(['connected', 'disconnected', 'memory']),
  resumes: z
    .object({ recovered: z.int().min(0), gap: z.int().min(0), refused: z.int().min(0) })
    .describe(
      'Dropped connections resumed by this process since it started: every room caught up, a gap reported, refused',
    ),
});

export const RedisTestResponse = z.object({
  success: z.boolean(),
  message: z.string(),
  result: z.string().optional(),
  store: z.enum(['memory', 'redis']),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export function healthRoutes(deps: HealthDeps) {
  return async (app: FastifyInstance) => {
    const healthDoc: RouteDoc = {
      summary: 'Health with room and participant totals (as in the reference)',
      tags: ['health'],
      responses: {
        200: { description: 'Healthy', schema: HealthResponse },
        503: { description: 'Degraded: the store is unreachable', schema: HealthResponse },
      },
    };
    app.get('/api/health', { config: { doc: healthDoc } }, async (_request, reply) => {
      const redis = deps.store.state();
      const totals = await deps.rooms.totals().catch(() => null);
      const healthy = redis !== 'disconnected' && totals !== null;
      return reply.status(healthy ? 200 : 503).send({
        status: healthy ? 'ok' : 'degraded',
        timestamp: new Date(deps.now()).toISOString(),
        activeRooms: totals?.activeRooms ?? 0,
        totalParticipants: totals?.totalParticipants ?? 0,
        redis,
        resumes: deps.resumes(),
      });
    });

    const redisTestDoc: RouteDoc = {
      summary: 'Write, read back and delete a probe value in the store',
      tags: ['health'],
      responses: {
        200: { description: 'The round trip worked', schema: RedisTestResponse },
        503: { description: 'Redis is unreachable', schema: RedisTestResponse },
      },
    };
    app.get('/api/redis/test', { config: { doc: redisTestDoc } }, async (_request, reply) => {
      if (deps.store.kind === 'memory') {
        return {
          success: true,
          message: 'Running on the in-memory store; there is no Redis to test (set REDIS_URL to use one)',
          result: await deps.store.roundTrip(),
          store: 'memory',
        };
      }
      try {
        const result = await deps.store.roundTrip();
        return { success: true, message: 'Redis test successful', result, store: 'redis' };
      } catch {
        return reply.status(503).send({
          success: false,
          message: 'Redis test failed: the store is unreachable',
          error: { code: 'STORE_UNAVAILABLE', message: 'Redis is unreachable' },
          store: 'redis',
        });
      }
    });
  };
}
