import { afterThisTest } from './cleanup.js';
import { discardRedis, PrivateRedis, type PrivateRedisOptions } from './redis-server.js';

/** A private redis-server for one test (one it may stop and start), stopped when the test ends. */
export async function privateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const redis = await PrivateRedis.start(options);
  afterThisTest(() => discardRedis(redis));
  return redis;
}
