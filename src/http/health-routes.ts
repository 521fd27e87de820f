import type { FastifyInstance } from 'fastify';
import type { RoomService } from '../domain/room-service.js';
import type { StoreHealth } from '../store/store-health.js';

export interface HealthDeps {
  rooms: RoomService;
  store: StoreHealth;
  now: () => number;
}

export function healthRoutes(deps: HealthDeps) {
  return async (app: FastifyInstance) => {
    app.get('/api/health', async (_request, reply) => {
      const redis = deps.store.state();
      const totals = await deps.rooms.totals().catch(() => null);
      const healthy = redis !== 'disconnected' && totals !== null;
      return reply.status(healthy ? 200 : 503).send({
        status: healthy ? 'ok' : 'degraded',
        timestamp: new Date(deps.now()).toISOString(),
        activeRooms: totals?.activeRooms ?? 0,
        totalParticipants: totals?.totalParticipants ?? 0,
        redis,
      });
    });

    app.get('/api/redis/test', async (_request, reply) => {
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
