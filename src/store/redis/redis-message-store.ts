import { MESSAGE_SCHEDULE_GRACE_MS, ROOM_KEYS_GRACE_MS } from '../../defaults.js';
import type { ChatMessage } from '../../protocol/messages.js';
import { messageSizes } from '../message-sizes.js';
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
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import { readPage } from './history-pages.js';
import { storeCall } from './store-call.js';

/**
 * Bodies at `message:{room}:{id}` (expiring natively at their deadline), a per-room index scored
 * by append order for history, the room's sizes for its caps, and one schedule sorted by deadline
 * that expiry pops atomically.
 */
export class RedisMessageStore implements MessageStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly caps: RoomCaps,
  ) {}

  append({ message, expiresAt }: MessageRecord): Promise<AppendResult> {
    const { roomToken, id } = message;
    const k = this.keys;
    const json = JSON.stringify(message);
    return storeCall(async () => {
      const { stored, dropped } = await this.client.appendMessage(
        {
          body: k.message(roomToken, id),
          index: k.roomIndex(roomToken),
          seq: k.roomSeq(roomToken),
          schedule: k.expirySchedule(),
          roomCreated: k.roomCreated(roomToken),
          sizes: k.roomSizes(roomToken),
          usage: k.roomUsage(roomToken),
        },
        {
          json,
          expiresAt,
          id,
          roomToken,
          graceMs: MESSAGE_SCHEDULE_GRACE_MS,
          roomGraceMs: ROOM_KEYS_GRACE_MS,
          openedAt: Date.parse(message.timestamp),
          prefix: k.prefix,
          sizes: messageSizes(message, json),
          caps: this.caps,
        },
      );
      return stored ? { stored, dropped } : { stored };
    });
  }

  list(roomToken: string, _now: number, query: PageQuery): Promise<MessagePage | null> {
    return storeCall(() => readPage(this.client, this.keys, roomToken, query));
  }

  count(roomToken: string): Promise<number> {
    return storeCall(() => this.client.zCard(this.keys.roomIndex(roomToken)));
  }

  get(roomToken: string, id: string, now: number): Promise<MessageRecord | null> {
    const key = this.keys.message(roomToken, id);
    return storeCall(async () => {
      // The body expires natively at the message's deadline (append and expireSooner set both).
      const [body, deadline] = await this.client.multi().get(key).pExpireTime(key).exec();
      if (typeof body !== 'string' || typeof deadline !== 'number' || deadline <= now) return null;
      return { message: JSON.parse(body) as ChatMessage, expiresAt: deadline };
    });
  }

  expireSooner(roomToken: string, ids: readonly string[], expiresAt: number): Promise<string[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return storeCall(() =>
      this.client.expireMessagesSooner(this.keys.expirySchedule(), expiresAt, this.keys.prefix, roomToken, ids),
    );
  }

  remove(roomToken: string, id: string): Promise<boolean> {
    return storeCall(() => this.client.removeMessage(this.keys.expirySchedule(), this.keys.prefix, roomToken, id));
  }

  position(roomToken: string): Promise<number> {
    return storeCall(async () => Number((await this.client.get(this.keys.roomSeq(roomToken))) ?? 0));
  }

  catchUp(roomToken: string, now: number, query: CatchUpQuery): Promise<CatchUp> {
    const keys = { index: this.keys.roomIndex(roomToken), seq: this.keys.roomSeq(roomToken) };
    return storeCall(async () => {
      const raw = await this.client.catchUpMessages(keys, this.keys.prefix, roomToken, query);
      const messages = raw.messages
        .filter((m) => m.expiresAt > now)
        .map((m) => ({ message: JSON.parse(m.body) as ChatMessage, expiresAt: m.expiresAt }));
      return { gone: raw.gone, messages, complete: raw.complete, position: raw.position };
    });
  }

  claimDue(now: number, limit: number): Promise<DueMessage[]> {
    return storeCall(async () => {
      const due = await this.client.claimDueMessages(this.keys.expirySchedule(), now, limit, this.keys.prefix);
      return due.map(({ member, dueAt }) => {
        const sep = member.indexOf('|');
        return { roomToken: member.slice(0, sep), id: member.slice(sep + 1), dueAt };
      });
    });
  }
}
