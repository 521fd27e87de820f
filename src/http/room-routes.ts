import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { MessageService } from '../domain/message-service.js';
import type { RoomService } from '../domain/room-service.js';
import { ChatMessageSchema } from '../protocol/message-schemas.js';
import { RoomToken } from '../protocol/room-token.js';
import { parseOr } from './parse.js';
import type { RouteDoc } from './route-doc.js';

export const RoomParams = z.object({ token: RoomToken });

export const RoomStatsResponse = z.object({
  roomToken: z.string(),
  participantCount: z.int().min(0),
  messageCount: z.int().min(0),
  createdAt: z.iso.datetime().nullable(),
});

export const RoomMessagesResponse = z.object({
  messages: z.array(ChatMessageSchema),
  count: z.int().min(0),
  timestamp: z.iso.datetime(),
});

export interface RoomRouteDeps {
  rooms: RoomService;
  messages: MessageService;
  now: () => number;
}

export function roomRoutes(deps: RoomRouteDeps) {
  return async (app: FastifyInstance) => {
    const statsDoc: RouteDoc = {
      summary: 'Participant and message counts of a room',
      tags: ['rooms'],
      params: RoomParams,
      responses: { 200: { description: 'Room statistics', schema: RoomStatsResponse } },
      errors: ['ROOM_TOKEN_INVALID', 'RATE_LIMITED', 'STORE_UNAVAILABLE'],
    };
    // Lookups count against the client's HTTP_LOOKUPS_PER_MINUTE: guessing tokens stays slow.
    const limited = { clientLimit: 'lookup' } as const;
    app.get('/api/room/:token/stats', { config: { doc: statsDoc, ...limited } }, async (request) => {
      const { token } = parseOr(RoomParams, request.params, 'ROOM_TOKEN_INVALID');
      return deps.rooms.stats(token);
    });

    const messagesDoc: RouteDoc = {
      summary: 'Live message history of a room, oldest first (reading it never starts a burn)',
      tags: ['rooms'],
      params: RoomParams,
      responses: { 200: { description: 'Messages not yet expired', schema: RoomMessagesResponse } },
      errors: ['ROOM_TOKEN_INVALID', 'RATE_LIMITED', 'STORE_UNAVAILABLE'],
    };
    app.get('/api/room/:token/messages', { config: { doc: messagesDoc, ...limited } }, async (request, reply) => {
      const { token } = parseOr(RoomParams, request.params, 'ROOM_TOKEN_INVALID');
      const messages = await deps.messages.history(token);
      // History holds messages that must vanish: never let a cache keep them.
      reply.header('Cache-Control', 'no-store');
      return { messages, count: messages.length, timestamp: new Date(deps.now()).toISOString() };
    });
  };
}
