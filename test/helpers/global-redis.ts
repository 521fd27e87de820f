import type { TestProject } from 'vitest/node';
import { PrivateRedis, redisServerBinary } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string | null;
  }
}

/**
 * One Redis for the whole run: REDIS_TEST_URL if given, else a private redis-server on a free
 * port. Without either, Redis suites are skipped loudly, or fail when REQUIRE_REDIS=1 (CI).
 */
export default async function setup(project: TestProject) {
  const given = process.env.REDIS_TEST_URL;
  if (given) {
    project.provide('redisUrl', given);
    return;
  }
  if (!redisServerBinary()) {
    if (process.env.REQUIRE_REDIS === '1') throw new Error('REQUIRE_REDIS=1 but redis-server is not installed');
    process.stderr.write(
      '\n*** redis-server not found: the Redis suites are SKIPPED. Install redis-server to run them. ***\n\n',
    );
    project.provide('redisUrl', null);
    return;
  }
  const redis = await PrivateRedis.start();
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}
