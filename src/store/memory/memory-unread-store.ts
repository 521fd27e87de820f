import { MinHeap } from '../../lib/min-heap.js';
import type { UnreadStore } from '../unread-store.js';

interface Entry {
  sender: string;
  until: number;
}

/** Unread messages in process memory; entries past their deadline are dropped as time goes by. */
export class MemoryUnreadStore implements UnreadStore {
  private readonly rooms = new Map<string, Map<string, Entry>>();
  private readonly deadlines = new MinHeap<{ at: number; roomToken: string; id: string }>((d) => d.at);

  async add(roomToken: string, messageId: string, sender: string, until: number): Promise<void> {
    let room = this.rooms.get(roomToken);
    if (!room) {
      room = new Map();
      this.rooms.set(roomToken, room);
    }
    room.set(messageId, { sender, until });
    this.deadlines.push({ at: until, roomToken, id: messageId });
  }

  async takeFor(roomToken: string, reader: string, now: number): Promise<string[]> {
    this.dropDue(now);
    const taken: string[] = [];
    for (const [id, entry] of this.rooms.get(roomToken) ?? []) if (entry.sender !== reader) taken.push(id);
    await this.forget(roomToken, taken);
    return taken;
  }

  async forget(roomToken: string, messageIds: readonly string[]): Promise<void> {
    const room = this.rooms.get(roomToken);
    if (!room) return;
    for (const id of messageIds) room.delete(id);
    if (room.size === 0) this.rooms.delete(roomToken);
  }

  private dropDue(now: number): void {
    for (let due = this.deadlines.peek(); due && due.at <= now; due = this.deadlines.peek()) {
      this.deadlines.pop();
      const entry = this.rooms.get(due.roomToken)?.get(due.id);
      if (entry && entry.until <= now) void this.forget(due.roomToken, [due.id]);
    }
  }
}
