import type { FastifyInstance } from 'fastify';
import { ClientConfigSchema, type ClientConfig } from '../protocol/client-config.js';
import type { RouteDoc } from './route-doc.js';

/** `GET /api/config`: the server's limits as clients need them; the same answer for everyone. */
export function clientConfigRoutes(config: ClientConfig) {
  const body = ClientConfigSchema.parse(config);
  return async (app: FastifyInstance) => {
    const doc: RouteDoc = {
      summary: 'Limits a client must respect (TTL range, lengths); the page builds its TTL picker from them',
      tags: ['meta'],
      responses: { 200: { description: 'Server limits', schema: ClientConfigSchema } },
    };
    app.get('/api/config', { config: { doc } }, async (_request, reply) => {
      // Changes only with a restart under a new configuration: let caches revalidate, not keep it.
      reply.header('Cache-Control', 'no-cache');
      return body;
    });
  };
}
