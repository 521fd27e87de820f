import type { RoomStore } from '../room-store.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import { lua, runScript } from './run-script.js';
import { storeCall } from './store-call.js';

/** KEYS: created. ARGV: now, keepUntil. Returns createdAt. */
const touchScript = lua(`
redis.call('SET', KEYS[1], ARGV[1], 'NX')
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
return redis.call('GET', KEYS[1])
`);

export class RedisRoomStore implements RoomStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  touch(roomToken: string, now: number, keepUntil: number): Promise<number> {
    return storeCall(async () =>
      Number(await runScript(this.client, touchScript, [this.keys.roomCreated(roomToken)], [now, keepUntil])),
    );
  }

  createdAt(roomToken: string): Promise<number | null> {
    return storeCall(async () => {
      const value = await this.client.get(this.keys.roomCreated(roomToken));
      return value === null ? null : Number(value);
    });
  }
}
