import { z } from 'zod';
import { RESUME_MAX_HELD_PER_ROOM } from './resume.js';
import { RoomToken } from './room-token.js';

export interface ResumeLimits {
  /** Rooms one resume may name (SOCKET_MAX_ROOMS). */
  maxRooms: number;
}

/** `auth.resume` as a client sends it, bounded in every dimension; a room named twice counts once. */
export function buildResumeSchema(limits: ResumeLimits) {
  const MessageId = z.string().min(1).max(64);
  return z.object({
    credential: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'credential must be base64url'),
    rooms: z
      .array(
        z.object({
          roomToken: RoomToken,
          held: z.array(MessageId).max(RESUME_MAX_HELD_PER_ROOM),
        }),
      )
      .max(limits.maxRooms)
      .transform((rooms) => [...new Map(rooms.map((r) => [r.roomToken, r])).values()]),
  });
}

export type ResumeInput = z.infer<ReturnType<typeof buildResumeSchema>>;
