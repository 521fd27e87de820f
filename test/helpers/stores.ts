import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createClient } from 'redis';

export { dropPrefix } from './redis-server.js';

export type StoreKind = 'memory' | 'redis';

/** The stores every suite runs on; Redis only when a server is available (see global-redis.ts). */
export function storeKinds(): StoreKind[] {
  return inject('redisUrl') ? ['memory', 'redis'] : ['memory'];
}

export function redisUrl(): string {
  const url = inject('redisUrl');
  if (!url) throw new Error('no Redis available for this suite');
  return url;
}

/** A key prefix of this test's own, so parallel files and CI runs never see each other's keys. */
export function testPrefix(): string {
  return `ghostchat-test:${randomBytes(6).toString('hex')}:`;
}

/** Lists keys under the prefix (tests that check what a store leaves behind). */
export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  const found: string[] = [];
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) found.push(...keys);
  await client.close();
  return found.sort();
}

/** Every key under the prefix with its remaining life in ms (-1: no expiry), to check each has one. */
export async function keyTtls(url: string, prefix: string): Promise<Map<string, number>> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  const ttls = new Map<string, number>();
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    for (const key of keys) ttls.set(key.slice(prefix.length), await client.pTTL(key));
  }
  await client.close();
  return ttls;
}
