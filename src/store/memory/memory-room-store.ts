import { MEMORY_ROOM_SWEEP_EVERY } from '../../defaults.js';
import type { RoomStore } from '../room-store.js';

interface RoomMeta {
  createdAt: number;
  keepUntil: number;
}

export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, RoomMeta>();

  async touch(roomToken: string, now: number, keepUntil: number): Promise<number> {
    const meta = this.rooms.get(roomToken);
    if (!meta || meta.keepUntil <= now) {
      this.rooms.set(roomToken, { createdAt: now, keepUntil });
      this.sweep(now);
      return now;
    }
    meta.keepUntil = Math.max(meta.keepUntil, keepUntil);
    return meta.createdAt;
  }

  async createdAt(roomToken: string, now: number): Promise<number | null> {
    const meta = this.rooms.get(roomToken);
    return meta && meta.keepUntil > now ? meta.createdAt : null;
  }

  private sweep(now: number): void {
    // Amortised: only when a room is created, so the map never holds much more than live rooms.
    if (this.rooms.size % MEMORY_ROOM_SWEEP_EVERY !== 0) return;
    for (const [token, meta] of this.rooms) if (meta.keepUntil <= now) this.rooms.delete(token);
  }
}
