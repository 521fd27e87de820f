import type { ChatMessage } from '../../protocol/messages.js';
import type { DueMessage, MessageRecord, MessageStore } from '../message-store.js';
import type { RedisKeys } from './keys.js';
import { appendScript, claimDueScript, expireSoonerScript, listScript, removeScript } from './message-scripts.js';
import type { RedisClient } from './redis-connection.js';
import { runScript } from './run-script.js';
import { storeCall } from './store-call.js';

/** How long ids outlive their deadline in the index and schedule, so a late expiry pass still finds them. */
const SCHEDULE_GRACE_MS = 3_600_000;

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
    return storeCall(async () => {
      await runScript(
        this.client,
        appendScript,
        [
          k.message(roomToken, id),
          k.roomIndex(roomToken),
          k.roomSeq(roomToken),
          k.expirySchedule(),
          k.roomCreated(roomToken),
        ],
        [JSON.stringify(message), expiresAt, id, roomToken, SCHEDULE_GRACE_MS, Date.parse(message.timestamp)],
      );
    });
  }

  list(roomToken: string): Promise<ChatMessage[]> {
    return storeCall(async () => {
      const bodies = (await runScript(
        this.client,
        listScript,
        [this.keys.roomIndex(roomToken)],
        [this.keys.prefix, roomToken],
      )) as string[];
      return bodies.map((b) => JSON.parse(b) as ChatMessage);
    });
  }

  count(roomToken: string): Promise<number> {
    return storeCall(() => this.client.zCard(this.keys.roomIndex(roomToken)));
  }

  expireSooner(roomToken: string, ids: readonly string[], expiresAt: number): Promise<string[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return storeCall(
      async () =>
        (await runScript(
          this.client,
          expireSoonerScript,
          [this.keys.expirySchedule()],
          [expiresAt, this.keys.prefix, roomToken, ...ids],
        )) as string[],
    );
  }

  remove(roomToken: string, id: string): Promise<boolean> {
    const k = this.keys;
    return storeCall(async () => {
      const removed = await runScript(
        this.client,
        removeScript,
        [k.expirySchedule(), k.message(roomToken, id), k.roomIndex(roomToken)],
        [`${roomToken}|${id}`, id],
      );
      return removed === 1;
    });
  }

  claimDue(now: number, limit: number): Promise<DueMessage[]> {
    return storeCall(async () => {
      const reply = (await runScript(
        this.client,
        claimDueScript,
        [this.keys.expirySchedule()],
        [now, limit, this.keys.prefix],
      )) as string[];
      const due: DueMessage[] = [];
      for (let i = 0; i + 1 < reply.length; i += 2) {
        const member = reply[i]!;
        const sep = member.indexOf('|');
        due.push({ roomToken: member.slice(0, sep), id: member.slice(sep + 1), dueAt: Number(reply[i + 1]) });
      }
      return due;
    });
  }
}
