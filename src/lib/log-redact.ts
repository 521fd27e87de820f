import { createHash, randomBytes } from 'node:crypto';

// A per-process salt: logs can correlate events of one room within a run, never name the room.
const salt = randomBytes(16);

/** A short, unlinkable-across-restarts tag for a room token, safe to log. */
export function roomTag(roomToken: string): string {
  return createHash('sha256').update(salt).update(roomToken).digest('base64url').slice(0, 10);
}
