import type { RoomStore } from '../room-store.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import { storeCall } from './store-call.js';

export class RedisRoomStore implements RoomStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  touch(roomToken: string, now: number, keepUntil: number): Promise<number> {
    return storeCall(() => this.client.touchRoom(this.keys.roomCreated(roomToken), now, keepUntil));
  }

  createdAt(roomToken: string): Promise<number | null> {
    return storeCall(async () => {
      const value = await this.client.get(this.keys.roomCreated(roomToken));
      return value === null ? null : Number(value);
    });
  }
}
