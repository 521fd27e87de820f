import { MinHeap } from '../../lib/min-heap.js';
import type {
  AppendResult,
  CatchUp,
  CatchUpQuery,
  DueMessage,
  MessagePage,
  MessageRecord,
  MessageStore,
  PageQuery,
  RoomCaps,
} from '../message-store.js';
import { messageSizes, type MessageSizes } from '../message-sizes.js';
import { pageIsFull } from '../page-budget.js';
import type { MemoryRoomStore } from './memory-room-store.js';

interface Deadline {
  at: number;
  roomToken: string;
  id: string;
}

interface Stored extends MessageSizes {
  record: MessageRecord;
  position: number;
}

/** A room's messages in append order (a Map keeps insertion order), what they add up to, its last position. */
interface Room {
  messages: Map<string, Stored>;
  bytes: number;
  imageBytes: number;
  position: number;
}

/** Messages in process memory: a Map per room (insertion order is history order) and a heap of deadlines. */
export class MemoryMessageStore implements MessageStore {
  private readonly rooms = new Map<string, Room>();
  // Entries are never updated in place: a moved deadline pushes a new entry and the old one is
  // skipped when popped because it no longer matches the record.
  private readonly schedule = new MinHeap<Deadline>((d) => d.at);
  /** Messages stored in every room: the schedule is compacted when stale entries far outnumber them. */
  private live = 0;

  constructor(
    private readonly roomStore: MemoryRoomStore,
    private readonly caps: RoomCaps,
  ) {}

  /** Whether the room holds any message (expired ones not yet claimed included). */
  has(roomToken: string): boolean {
    return this.rooms.has(roomToken);
  }

  async append(record: MessageRecord): Promise<AppendResult> {
    const { roomToken, id } = record.message;
    const sizes = messageSizes(record.message);
    const openedAt = Date.parse(record.message.timestamp);
    // A new room's positions start from its first message's time: above any it had before it emptied.
    const room: Room = this.rooms.get(roomToken) ?? { messages: new Map(), bytes: 0, imageBytes: 0, position: 0 };
    if (sizes.imageBytes > 0 && room.imageBytes + sizes.imageBytes > this.caps.maxImageBytes) return { stored: false };
    this.roomStore.keep(roomToken, openedAt);
    this.rooms.set(roomToken, room);
    room.position = room.position === 0 ? openedAt * 1000 + 1 : room.position + 1;
    room.messages.set(id, { record, ...sizes, position: room.position });
    room.bytes += sizes.bytes;
    room.imageBytes += sizes.imageBytes;
    this.live++;
    this.schedule.push({ at: record.expiresAt, roomToken, id });
    const dropped: string[] = [];
    for (const [oldest] of room.messages) {
      if (oldest === id || (room.messages.size <= this.caps.maxMessages && room.bytes <= this.caps.maxMessageBytes)) {
        break;
      }
      this.forget(roomToken, oldest);
      dropped.push(oldest);
    }
    this.compactSchedule();
    return { stored: true, dropped };
  }

  async list(roomToken: string, now: number, query: PageQuery): Promise<MessagePage | null> {
    const all = [...(this.rooms.get(roomToken)?.messages.values() ?? [])];
    const cursor = query.after ?? query.before;
    let from = query.after === undefined ? all.length - 1 : 0;
    if (cursor !== undefined) {
      const at = all.findIndex((m) => m.record.message.id === cursor);
      if (at < 0 || all[at]!.record.expiresAt <= now) return null;
      from = query.after === undefined ? at - 1 : at + 1;
    }
    const step = query.after === undefined ? -1 : 1;
    const page: Stored[] = [];
    let bytes = 0;
    for (let i = from; i >= 0 && i < all.length; i += step) {
      const candidate = all[i]!;
      if (candidate.record.expiresAt <= now) continue;
      if (pageIsFull(page.length, bytes, candidate.bytes, query)) {
        return pageOf(page, step, true);
      }
      page.push(candidate);
      bytes += candidate.bytes;
    }
    return pageOf(page, step, false);
  }

  async count(roomToken: string, now: number): Promise<number> {
    let live = 0;
    for (const { record } of this.rooms.get(roomToken)?.messages.values() ?? []) if (record.expiresAt > now) live++;
    return live;
  }

  async get(roomToken: string, id: string, now: number): Promise<MessageRecord | null> {
    const record = this.rooms.get(roomToken)?.messages.get(id)?.record;
    return record && record.expiresAt > now ? { message: record.message, expiresAt: record.expiresAt } : null;
  }

  async expireSooner(roomToken: string, ids: readonly string[], expiresAt: number): Promise<string[]> {
    const room = this.rooms.get(roomToken);
    const moved: string[] = [];
    for (const id of ids) {
      const record = room?.messages.get(id)?.record;
      if (!record || record.expiresAt <= expiresAt) continue;
      record.expiresAt = expiresAt;
      this.schedule.push({ at: expiresAt, roomToken, id });
      moved.push(id);
    }
    this.compactSchedule();
    return moved;
  }

  async remove(roomToken: string, id: string): Promise<boolean> {
    return this.forget(roomToken, id);
  }

  async claimDue(now: number, limit: number): Promise<DueMessage[]> {
    const due: DueMessage[] = [];
    while (due.length < limit) {
      const next = this.schedule.peek();
      if (!next || next.at > now) break;
      this.schedule.pop();
      const record = this.rooms.get(next.roomToken)?.messages.get(next.id)?.record;
      if (!record || record.expiresAt !== next.at) continue;
      this.forget(next.roomToken, next.id);
      due.push({ roomToken: next.roomToken, id: next.id, dueAt: next.at });
    }
    return due;
  }

  async position(roomToken: string): Promise<number> {
    return this.rooms.get(roomToken)?.position ?? 0;
  }

  async catchUp(roomToken: string, now: number, query: CatchUpQuery): Promise<CatchUp> {
    const room = this.rooms.get(roomToken);
    const gone: string[] = [];
    let from = query.floor;
    for (const id of query.held) {
      const held = room?.messages.get(id);
      if (held) from = Math.max(from, held.position);
      else gone.push(id);
    }
    const messages: MessageRecord[] = [];
    let bytes = 0;
    for (const stored of room?.messages.values() ?? []) {
      if (stored.position <= from || stored.record.expiresAt <= now) continue;
      if (pageIsFull(messages.length, bytes, stored.bytes, query)) {
        return { gone, messages, complete: false, position: room!.position };
      }
      messages.push({ message: stored.record.message, expiresAt: stored.record.expiresAt });
      bytes += stored.bytes;
    }
    return { gone, messages, complete: true, position: room?.position ?? 0 };
  }

  /** Removes one message and its sizes; the room's state goes with its last message. */
  private forget(roomToken: string, id: string): boolean {
    const room = this.rooms.get(roomToken);
    const stored = room?.messages.get(id);
    if (!room || !stored) return false;
    room.messages.delete(id);
    room.bytes -= stored.bytes;
    room.imageBytes -= stored.imageBytes;
    this.live--;
    if (room.messages.size === 0) {
      this.rooms.delete(roomToken);
      this.roomStore.release(roomToken);
    }
    return true;
  }

  /**
   * Removed and evicted messages, and moved deadlines, leave their old entries in the schedule until
   * those come due (up to MAX_TTL): a room flooded past its caps would pile them up. Once stale
   * entries outnumber live ones, they are dropped in one O(n) pass, so the schedule stays O(live).
   */
  private compactSchedule(): void {
    if (this.schedule.size <= 2 * this.live + 1024) return;
    this.schedule.retain((d) => this.rooms.get(d.roomToken)?.messages.get(d.id)?.record.expiresAt === d.at);
  }
}

/** The page read newest first (step -1) comes back oldest first, as one JSON array. */
function pageOf(page: Stored[], step: number, hasMore: boolean): MessagePage {
  const messages = page.map((m) => m.record.message);
  if (step < 0) messages.reverse();
  return { json: JSON.stringify(messages), count: messages.length, oldestId: messages[0]?.id ?? null, hasMore };
}
