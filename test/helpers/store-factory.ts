import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createMemoryStores } from '../../src/store/memory/memory-stores.js';
import { createRedisStores } from '../../src/store/redis/redis-stores.js';
import type { Stores } from '../../src/store/stores.js';
import { dropPrefix, redisUrl, testPrefix, type StoreKind } from './stores.js';

export interface StoresUnderTest {
  stores: Stores;
  /** Another node on the same data (Redis), or the same stores (memory, which is single-process). */
  peer(nodeId?: string): Promise<Stores>;
  /** The Redis URL and key prefix of these stores (null on memory). */
  redis: { url: string; prefix: string } | null;
  cleanup(): Promise<void>;
  /** The Redis key prefix of these stores (Redis only). */
  prefix?: string;
}

/** Builds the real stores of one kind, as the server does; Redis ones under a private prefix. */
export async function storesOf(kind: StoreKind, options: { nodeTimeoutMs?: number } = {}): Promise<StoresUnderTest> {
  if (kind === 'memory') {
    const stores = createMemoryStores();
    return { stores, peer: async () => stores, redis: null, cleanup: () => stores.close() };
  }
  const url = redisUrl();
  const keyPrefix = testPrefix();
  const opened: Stores[] = [];
  const open = async (nodeId = randomBytes(4).toString('hex')) => {
    const stores = createRedisStores(
      { url, keyPrefix },
      {
        nodeId,
        log: pino({ level: 'silent' }),
        presenceKeepMs: 3_600_000,
        nodeTimeoutMs: options.nodeTimeoutMs ?? 15_000,
      },
    );
    opened.push(stores);
    if (!(await stores.ready(5000))) throw new Error('redis not ready');
    return stores;
  };
  const stores = await open();
  return {
    stores,
    prefix: keyPrefix,
    peer: open,
    redis: { url, prefix: keyPrefix },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await dropPrefix(url, keyPrefix);
    },
  };
}
