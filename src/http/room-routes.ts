import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { MessageService } from '../domain/message-service.js';
import type { RoomService } from '../domain/room-service.js';
import { HISTORY_PAGE_DEFAULT_LIMIT, HISTORY_PAGE_MAX_BYTES, HISTORY_PAGE_MAX_LIMIT } from '../defaults.js';
import { ChatMessageSchema } from '../protocol/message-schemas.js';
import { RoomToken } from '../protocol/room-token.js';
import type { MessagePage } from '../store/message-store.js';
import { parseOr } from './parse.js';
import type { RouteDoc } from './route-doc.js';

export const RoomParams = z.object({ token: RoomToken });

export const RoomStatsResponse = z.object({
  roomToken: z.string(),
  participantCount: z.int().min(0),
  messageCount: z.int().min(0),
  createdAt: z.iso.datetime().nullable(),
});

export const HistoryQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'limit must be a whole number')
    .transform(Number)
    .pipe(z.int().min(1).max(HISTORY_PAGE_MAX_LIMIT))
    .optional()
    .describe(`Messages in the page, 1-${HISTORY_PAGE_MAX_LIMIT} (default ${HISTORY_PAGE_DEFAULT_LIMIT})`),
  before: z
    .string()
    .regex(/^[\w-]{1,64}$/, 'before must be a message id')
    .optional()
    .describe('A message id: the page holds messages older than it (the `before` of the previous page)'),
});

export const RoomMessagesResponse = z.object({
  messages: z.array(ChatMessageSchema).describe('Oldest first'),
  count: z.int().min(0).describe('Messages in this page'),
  timestamp: z.iso.datetime(),
  hasMore: z.boolean().describe('Older messages exist beyond this page'),
  before: z.string().optional().describe('With hasMore: pass as `?before=` for the next older page'),
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
      summary:
        "A page of a room's live history, oldest first: the newest page, or the one before `before` (reading it never starts a burn)",
      tags: ['rooms'],
      params: RoomParams,
      query: HistoryQuery,
      responses: { 200: { description: 'Messages not yet expired', schema: RoomMessagesResponse } },
      errors: ['ROOM_TOKEN_INVALID', 'PAYLOAD_INVALID', 'NOT_FOUND', 'RATE_LIMITED', 'STORE_UNAVAILABLE'],
    };
    app.get('/api/room/:token/messages', { config: { doc: messagesDoc, ...limited } }, async (request, reply) => {
      const { token } = parseOr(RoomParams, request.params, 'ROOM_TOKEN_INVALID');
      const { limit = HISTORY_PAGE_DEFAULT_LIMIT, before } = parseOr(HistoryQuery, request.query);
      const page = await deps.messages.history(token, { limit, maxBytes: HISTORY_PAGE_MAX_BYTES, before });
      // History holds messages that must vanish: never let a cache keep them.
      reply.header('Cache-Control', 'no-store').type('application/json; charset=utf-8');
      return historyBody(page, new Date(deps.now()).toISOString());
    });
  };
}

/**
 * The RoomMessagesResponse of a page, written around the stored JSON of its messages: a page of
 * hundreds of messages is not parsed and serialised again per request.
 */
function historyBody({ json, count, oldestId, hasMore }: MessagePage, timestamp: string): string {
  const before = hasMore && oldestId !== null ? `,"before":${JSON.stringify(oldestId)}` : '';
  return `{"messages":${json},"count":${count},"timestamp":"${timestamp}","hasMore":${hasMore}${before}}`;
}
