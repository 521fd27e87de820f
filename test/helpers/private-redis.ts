import { afterThisTest } from './cleanup.js';
import { PrivateRedis } from './redis-server.js';

/** A private redis-server for one test (one it may stop and start), stopped when the test ends. */
export async function privateRedis(): Promise<PrivateRedis> {
  const redis = await PrivateRedis.start();
  afterThisTest(() => redis.stop());
  return redis;
}
