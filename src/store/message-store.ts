import type { ChatMessage } from '../protocol/messages.js';

export interface MessageRecord {
  message: ChatMessage;
  /** Epoch ms after which the message must be gone. */
  expiresAt: number;
}

export interface MessageRef {
  roomToken: string;
  id: string;
}

export interface DueMessage extends MessageRef {
  /** The deadline it was claimed for, to measure how late expiry ran. */
  dueAt: number;
}

/** What one room may hold (Config.rooms); the store keeps each room within it as it appends. */
export interface RoomCaps {
  maxMessages: number;
  /** Bytes of stored messages, as stored (JSON); a room holds at most this plus its newest message. */
  maxMessageBytes: number;
  /** Bytes of the images its messages carry (`imageData.size`). */
  maxImageBytes: number;
}

export type AppendResult =
  /** Stored; `dropped` are the ids of the oldest messages removed to keep the room within its caps. */
  | { stored: true; dropped: string[] }
  /** Not stored: the image it carries would take the room past its image bytes. */
  | { stored: false };

/** One page of a room's history. The store reads at most `limit` messages and about `maxBytes`. */
export interface PageQuery {
  limit: number;
  /** Bytes of stored messages in the page at most; a page holds at least one message if any is left. */
  maxBytes: number;
  /** Messages appended before this one; without `before` or `after`, the newest page. */
  before?: string;
  /** Messages appended after this one (for catching up); wins over `before`. */
  after?: string;
}

export interface MessagePage {
  /**
   * The messages as one JSON array, oldest first, in the order they were appended: history is
   * served as it is stored, never parsed and serialised again on the way.
   */
  json: string;
  /** How many messages the array holds. */
  count: number;
  /** The id of its oldest message (the cursor of the page before it); null when it is empty. */
  oldestId: string | null;
  /** Whether live messages lie beyond the page in the direction read: older (newest page, `before`) or newer (`after`). */
  hasMore: boolean;
}

/** Where a resuming client catches up from, and how much it may be sent at once. */
export interface CatchUpQuery {
  /** Ids of the room's messages the client holds, newest first. */
  held: readonly string[];
  /** The room's position when the client joined it: nothing at or before it is sent. */
  floor: number;
  limit: number;
  /** Bytes of stored messages at most; at least one message is read if any follows. */
  maxBytes: number;
}

export interface CatchUp {
  /** Held ids no longer in the room (expired, burned, removed or dropped). */
  gone: string[];
  /** Live messages after the newest held one still in the room (and after the floor), oldest first. */
  messages: MessageRecord[];
  /** False when more live messages follow than `limit` or `maxBytes` let through. */
  complete: boolean;
  /** The room's position now: a later catch-up's floor. */
  position: number;
}

/**
 * Positions: every message appended to a room takes the next position of that room. They only grow,
 * also across the room emptying (its state forgotten) and the store restarting: a room's first
 * position is its first message's timestamp in ms x 1000, so a position from before is always
 * lower (at fewer than 1000 messages per ms). A client's place in a room is a position.
 */
export interface MessageStore {
  /**
   * Stores the message in its room's history and schedules its expiry at `expiresAt`. The room
   * counts as open (RoomStore) at least until then, opened at the message's timestamp if it was not.
   * In the same atomic step the room's oldest messages go (and their schedule entries) while it
   * holds more than its caps allow; the new message itself is never dropped.
   */
  append(record: MessageRecord): Promise<AppendResult>;
  /** A page of the room's live messages; null when the cursor message is not (or no longer) in the room. */
  list(roomToken: string, now: number, query: PageQuery): Promise<MessagePage | null>;
  count(roomToken: string, now: number): Promise<number>;
  /** One live message with its current deadline; null once it is gone (expired, burned or removed). */
  get(roomToken: string, id: string, now: number): Promise<MessageRecord | null>;
  /** Moves the deadline of the given messages to `expiresAt` where that is sooner; returns the ids moved. */
  expireSooner(roomToken: string, ids: readonly string[], expiresAt: number): Promise<string[]>;
  /** Removes one message now; false when it was not there (already expired or removed). */
  remove(roomToken: string, id: string): Promise<boolean>;
  /**
   * Atomically takes up to `limit` messages whose deadline is <= now out of the schedule and the
   * history. Each due message is returned to exactly one caller, even with several nodes polling.
   */
  claimDue(now: number, limit: number): Promise<DueMessage[]>;
  /** The room's latest position (0 when it holds no message). */
  position(roomToken: string): Promise<number>;
  /**
   * What a client that held `query.held` missed: which of those are gone, and the live messages
   * after the newest held one still there (or after `query.floor`, whichever is later), in order.
   */
  catchUp(roomToken: string, now: number, query: CatchUpQuery): Promise<CatchUp>;
}
