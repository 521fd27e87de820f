import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { MessageService } from '../domain/message-service.js';
import type { RoomService } from '../domain/room-service.js';
import { RoomToken } from '../protocol/room-token.js';
import { parseOr } from './parse.js';

export const RoomParams = z.object({ token: RoomToken });

export interface RoomRouteDeps {
  rooms: RoomService;
  messages: MessageService;
  now: () => number;
}

export function roomRoutes(deps: RoomRouteDeps) {
  return async (app: FastifyInstance) => {
    app.get('/api/room/:token/stats', async (request) => {
      const { token } = parseOr(RoomParams, request.params, 'ROOM_TOKEN_INVALID');
      return deps.rooms.stats(token);
    });

    app.get('/api/room/:token/messages', async (request, reply) => {
      const { token } = parseOr(RoomParams, request.params, 'ROOM_TOKEN_INVALID');
      const messages = await deps.messages.history(token);
      // History holds messages that must vanish: never let a cache keep them.
      reply.header('Cache-Control', 'no-store');
      return { messages, count: messages.length, timestamp: new Date(deps.now()).toISOString() };
    });
  };
}
