import { randomBytes } from 'node:crypto';
import { USAGE_BUCKET_MS } from '../../defaults.js';
import type { Rate } from '../../lib/gcra.js';
import type { LimitStore, UsageChange, UsageOutcome } from '../limit-store.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import { storeCall } from './store-call.js';

/** Client limits shared by every node: one Lua script per operation, one round trip each. */
export class RedisLimitStore implements LimitStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  take(key: string, rate: Rate, now: number, cost = 1): Promise<number> {
    return storeCall(() => this.client.takeToken(this.keys.rateBucket(key), rate, now, cost));
  }

  applyUsage(name: string, changes: readonly UsageChange[], now: number, limit = Infinity): Promise<UsageOutcome> {
    const keys = { deadlines: this.keys.usageDeadlines(name), bytes: this.keys.usageBytes(name) };
    return storeCall(() => this.client.applyUsage(keys, { changes, now, limit, graceMs: USAGE_BUCKET_MS }));
  }

  salt(period: number, forgetAt: number): Promise<Buffer> {
    return storeCall(() =>
      this.client.addressSalt(this.keys.addressSalt(period), randomBytes(32).toString('hex'), forgetAt),
    );
  }
}
