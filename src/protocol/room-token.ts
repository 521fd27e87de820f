import { z } from 'zod';

/** ABC-123-XYZ from the reference clients and K7P-QX-4M from the web client: three groups of 1-3. */
export const ROOM_TOKEN_PATTERN = /^[A-Z0-9]{1,3}-[A-Z0-9]{1,3}-[A-Z0-9]{1,3}$/;

export const RoomToken = z.string().regex(ROOM_TOKEN_PATTERN, 'room token must look like ABC-123-XYZ');

export function isRoomToken(value: unknown): value is string {
  return typeof value === 'string' && ROOM_TOKEN_PATTERN.test(value);
}
