import type { RoomStore } from '../room-store.js';

interface Opened {
  createdAt: number;
  keepUntil: number;
}

/**
 * When each room was opened, for as long as something keeps it: participants or messages
 * (`occupied` asks the other memory stores, which call `release` as a room empties on their side),
 * or a `touch` that has not run out. Nothing of a room outlives its last participant and message.
 */
export class MemoryRoomStore implements RoomStore {
  private readonly opened = new Map<string, Opened>();

  constructor(private readonly occupied: (roomToken: string) => boolean) {}

  async touch(roomToken: string, now: number, keepUntil = now): Promise<number> {
    return this.keep(roomToken, now, keepUntil);
  }

  /** `touch` in the same step, for the message store (an append must not yield between its checks and its writes). */
  keep(roomToken: string, now: number, keepUntil = now): number {
    const room = this.kept(roomToken, now);
    if (room) {
      room.keepUntil = Math.max(room.keepUntil, keepUntil);
      return room.createdAt;
    }
    this.opened.set(roomToken, { createdAt: now, keepUntil });
    return now;
  }

  async createdAt(roomToken: string, now: number): Promise<number | null> {
    return this.kept(roomToken, now)?.createdAt ?? null;
  }

  /** The room emptied in one store: forgotten unless the other still holds something of it. */
  release(roomToken: string): void {
    if (!this.occupied(roomToken)) this.opened.delete(roomToken);
  }

  /** Rooms remembered (tests check that none outlives its occupants). */
  get size(): number {
    return this.opened.size;
  }

  private kept(roomToken: string, now: number): Opened | undefined {
    const room = this.opened.get(roomToken);
    if (room && (room.keepUntil > now || this.occupied(roomToken))) return room;
    this.opened.delete(roomToken);
    return undefined;
  }
}
