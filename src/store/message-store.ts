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

export interface MessageStore {
  /**
   * Stores the message in its room's history and schedules its expiry at `expiresAt`. The room
   * counts as open (RoomStore) at least until then, opened at the message's timestamp if it was not.
   */
  append(record: MessageRecord): Promise<void>;
  /** The room's live messages, oldest first (in the order they were appended). */
  list(roomToken: string, now: number): Promise<ChatMessage[]>;
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
}
