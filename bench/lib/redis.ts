import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
// The same throwaway redis-server the tests use (a plain module: it imports nothing from vitest).
import { dropPrefix, PrivateRedis, redisServerBinary, waitForPing } from '../../test/helpers/redis-server.js';

export interface BenchRedis {
  url: string;
  /** The redis-server's pid when the bench started it (its CPU is reported too), else null. */
  pid: number | null;
  version: string;
  /** A fresh key prefix for one GhostChat server. */
  newPrefix(): string;
  /** Deletes every key the bench wrote; stops the private server if the bench started one. */
  close(): Promise<void>;
}

async function connect(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function serverVersion(url: string): Promise<string> {
  const client = await connect(url);
  const info = await client.info('server');
  await client.close();
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}

/**
 * A Redis for the run. By default a private `redis-server --save ''` on a free loopback port,
 * stopped afterwards; with `externalUrl`, that server under bench-only prefixes that are deleted
 * afterwards (never FLUSH: it may be shared).
 */
export async function openBenchRedis(externalUrl?: string): Promise<BenchRedis> {
  const run = randomBytes(4).toString('hex');
  const prefixes: string[] = [];
  const newPrefix = () => {
    const prefix = `ghostchat-bench:${run}:${prefixes.length}:`;
    prefixes.push(prefix);
    return prefix;
  };
  if (externalUrl) {
    await waitForPing(externalUrl, 3000);
    return {
      url: externalUrl,
      pid: null,
      version: await serverVersion(externalUrl),
      newPrefix,
      close: async () => {
        for (const prefix of prefixes) await dropPrefix(externalUrl, prefix);
      },
    };
  }
  if (!redisServerBinary()) throw new Error('redis-server is not installed; pass --redis-url or --no-redis');
  const redis = await PrivateRedis.start();
  return {
    url: redis.url,
    pid: redis.pid,
    version: await serverVersion(redis.url),
    newPrefix,
    close: () => redis.stop(),
  };
}
