import { MESSAGE_SCHEDULE_GRACE_MS } from '../../defaults.js';
import type { ChatMessage } from '../../protocol/messages.js';
import type { DueMessage, MessageRecord, MessageStore } from '../message-store.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import { storeCall } from './store-call.js';

/** `roomToken|id`: neither can hold a `|`. */
const scheduleMember = (roomToken: string, id: string) => `${roomToken}|${id}`;

/**
 * Bodies at `message:{room}:{id}` (expiring natively at their deadline), a per-room sorted index
 * for history, and one schedule sorted by deadline that expiry pops atomically.
 */
export class RedisMessageStore implements MessageStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  append({ message, expiresAt }: MessageRecord): Promise<void> {
    const { roomToken, id } = message;
    const k = this.keys;
    return storeCall(() =>
      this.client.appendMessage(
        {
          body: k.message(roomToken, id),
          index: k.roomIndex(roomToken),
          seq: k.roomSeq(roomToken),
          schedule: k.expirySchedule(),
          roomCreated: k.roomCreated(roomToken),
        },
        {
          json: JSON.stringify(message),
          expiresAt,
          id,
          roomToken,
          graceMs: MESSAGE_SCHEDULE_GRACE_MS,
          openedAt: Date.parse(message.timestamp),
        },
      ),
    );
  }

  list(roomToken: string): Promise<ChatMessage[]> {
    return storeCall(async () => {
      const bodies = await this.client.listMessages(this.keys.roomIndex(roomToken), this.keys.prefix, roomToken);
      return bodies.map((b) => JSON.parse(b) as ChatMessage);
    });
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
    const k = this.keys;
    return storeCall(() =>
      this.client.removeMessage(
        { schedule: k.expirySchedule(), body: k.message(roomToken, id), index: k.roomIndex(roomToken) },
        scheduleMember(roomToken, id),
        id,
      ),
    );
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
