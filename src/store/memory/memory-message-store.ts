import type { ChatMessage } from '../../protocol/messages.js';
import { MinHeap } from '../../lib/min-heap.js';
import type { DueMessage, MessageRecord, MessageStore } from '../message-store.js';
import type { RoomStore } from '../room-store.js';

interface Deadline {
  at: number;
  roomToken: string;
  id: string;
}

/** Messages in process memory: a Map per room (insertion order is history order) and a heap of deadlines. */
export class MemoryMessageStore implements MessageStore {
  private readonly rooms = new Map<string, Map<string, MessageRecord>>();
  // Entries are never updated in place: a moved deadline pushes a new entry and the old one is
  // skipped when popped because it no longer matches the record.
  private readonly schedule = new MinHeap<Deadline>((d) => d.at);

  constructor(private readonly roomStore: RoomStore) {}

  async append(record: MessageRecord): Promise<void> {
    const { roomToken, id } = record.message;
    await this.roomStore.touch(roomToken, Date.parse(record.message.timestamp), record.expiresAt);
    let room = this.rooms.get(roomToken);
    if (!room) {
      room = new Map();
      this.rooms.set(roomToken, room);
    }
    room.set(id, record);
    this.schedule.push({ at: record.expiresAt, roomToken, id });
  }

  async list(roomToken: string, now: number): Promise<ChatMessage[]> {
    const live: ChatMessage[] = [];
    for (const record of this.rooms.get(roomToken)?.values() ?? []) {
      if (record.expiresAt > now) live.push(record.message);
    }
    return live;
  }

  async count(roomToken: string, now: number): Promise<number> {
    let live = 0;
    for (const record of this.rooms.get(roomToken)?.values() ?? []) if (record.expiresAt > now) live++;
    return live;
  }

  async get(roomToken: string, id: string, now: number): Promise<MessageRecord | null> {
    const record = this.rooms.get(roomToken)?.get(id);
    return record && record.expiresAt > now ? { message: record.message, expiresAt: record.expiresAt } : null;
  }

  async expireSooner(roomToken: string, ids: readonly string[], expiresAt: number): Promise<string[]> {
    const room = this.rooms.get(roomToken);
    const moved: string[] = [];
    for (const id of ids) {
      const record = room?.get(id);
      if (!record || record.expiresAt <= expiresAt) continue;
      record.expiresAt = expiresAt;
      this.schedule.push({ at: expiresAt, roomToken, id });
      moved.push(id);
    }
    return moved;
  }

  async remove(roomToken: string, id: string): Promise<boolean> {
    const room = this.rooms.get(roomToken);
    if (!room?.delete(id)) return false;
    if (room.size === 0) this.rooms.delete(roomToken);
    return true;
  }

  async claimDue(now: number, limit: number): Promise<DueMessage[]> {
    const due: DueMessage[] = [];
    while (due.length < limit) {
      const next = this.schedule.peek();
      if (!next || next.at > now) break;
      this.schedule.pop();
      const record = this.rooms.get(next.roomToken)?.get(next.id);
      if (!record || record.expiresAt !== next.at) continue;
      await this.remove(next.roomToken, next.id);
      due.push({ roomToken: next.roomToken, id: next.id, dueAt: next.at });
    }
    return due;
  }
}
