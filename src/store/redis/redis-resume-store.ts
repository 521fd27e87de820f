import type { ResumeRecord, ResumeStore } from '../resume-store.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import { storeCall } from './store-call.js';

/** One key per record (`resume:{hash}`), expiring natively; GETDEL takes it once across nodes. */
export class RedisResumeStore implements ResumeStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  save(key: string, record: ResumeRecord, ttlMs: number): Promise<void> {
    return storeCall(async () => {
      await this.client.set(this.keys.resume(key), JSON.stringify(record), {
        expiration: { type: 'PX', value: ttlMs },
      });
    });
  }

  take(key: string): Promise<ResumeRecord | null> {
    return storeCall(async () => {
      const json = await this.client.getDel(this.keys.resume(key));
      return typeof json === 'string' ? (JSON.parse(json) as ResumeRecord) : null;
    });
  }

  refresh(keys: readonly string[], ttlMs: number): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return storeCall(async () => {
      const batch = this.client.multi();
      for (const key of keys) batch.pExpire(this.keys.resume(key), ttlMs);
      await batch.exec();
    });
  }

  forget(key: string): Promise<void> {
    return storeCall(async () => {
      await this.client.del(this.keys.resume(key));
    });
  }
}
