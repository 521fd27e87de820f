import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createMemoryStores } from '../../src/store/memory/memory-stores.js';
import { createRedisStores } from '../../src/store/redis/redis-stores.js';
import type { RoomCaps } from '../../src/store/message-store.js';
import type { Stores } from '../../src/store/stores.js';
import { ROOM_CAPS } from './domain.js';
import { dropPrefix, redisUrl, testPrefix, type StoreKind } from './stores.js';

export interface StoresUnderTest {
  stores: Stores;
  /** Where the Redis stores keep their keys (null on memory). */
  redis: { url: string; prefix: string } | null;
  /** Another node on the same data (Redis), or the same stores (memory, which is single-process). */
  peer(nodeId?: string): Promise<Stores>;
  cleanup(): Promise<void>;
  /** The Redis key prefix of these stores (Redis only). */
  prefix?: string;
}

export interface StoreOptions {
  nodeTimeoutMs?: number;
  /** How long presence keys live past a heartbeat (Redis). */
  presenceTtlMs?: number;
  caps?: RoomCaps;
}

/** Builds the real stores of one kind, as the server does; Redis ones under a private prefix. */
export async function storesOf(kind: StoreKind, options: StoreOptions = {}): Promise<StoresUnderTest> {
  const caps = options.caps ?? ROOM_CAPS;
  if (kind === 'memory') {
    const stores = createMemoryStores(caps);
    return { stores, redis: null, peer: async () => stores, cleanup: () => stores.close() };
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
        presenceTtlMs: options.presenceTtlMs ?? 60_000,
        nodeTimeoutMs: options.nodeTimeoutMs ?? 15_000,
        caps,
      },
    );
    opened.push(stores);
    if (!(await stores.ready(5000))) throw new Error('redis not ready');
    return stores;
  };
  const stores = await open();
  return {
    stores,
    redis: { url, prefix: keyPrefix },
    prefix: keyPrefix,
    peer: open,
    cleanup: async () => {
      for (const s of opened) await s.close();
      await dropPrefix(url, keyPrefix);
    },
  };
}
