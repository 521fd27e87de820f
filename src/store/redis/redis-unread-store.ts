import type { UnreadStore } from '../unread-store.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import { storeCall } from './store-call.js';

/**
 * A hash per room, `room:{token}:unread`, message id -> deadline and sender, expiring with its
 * longest-lived entry. An entry taken, read or past its deadline is deleted (an emptied hash is
 * gone). One whose message went early (its image was deleted) is harmless when taken: moving the
 * deadline of a message that is gone moves nothing.
 */
export class RedisUnreadStore implements UnreadStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  add(roomToken: string, messageId: string, sender: string, until: number): Promise<void> {
    return storeCall(() => this.client.addUnread(this.keys.roomUnread(roomToken), messageId, sender, until));
  }

  takeFor(roomToken: string, reader: string, now: number): Promise<string[]> {
    return storeCall(() => this.client.takeUnread(this.keys.roomUnread(roomToken), reader, now));
  }

  forget(roomToken: string, messageIds: readonly string[]): Promise<void> {
    if (messageIds.length === 0) return Promise.resolve();
    return storeCall(async () => {
      await this.client.hDel(this.keys.roomUnread(roomToken), [...messageIds]);
    });
  }
}
