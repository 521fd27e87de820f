import { readdir } from 'node:fs/promises';
import pino from 'pino';
import { LocalMediaStore } from '../../src/media/local-media-store.js';
import type { MediaStore } from '../../src/media/media-store.js';
import { RedisMediaStore } from '../../src/media/redis-media-store.js';
import { RoomlessBudget } from '../../src/media/roomless-budget.js';
import { redisKeys } from '../../src/store/redis/keys.js';
import { closeRedis, openRedis } from '../../src/store/redis/redis-connection.js';
import { afterThisTest } from './cleanup.js';
import { removeDir, tempUploadDir } from './images.js';
import { dropPrefix, keysUnder, redisUrl, storeKinds, testPrefix } from './stores.js';

export type MediaKind = 'local' | 'redis';

/** The media stores every suite runs on; Redis only when a server is available. */
export function mediaKinds(): MediaKind[] {
  return storeKinds().includes('redis') ? ['local', 'redis'] : ['local'];
}

export interface MediaBudgets {
  maxBytes: number;
  maxRoomlessBytes: number;
  /** Redis: bytes per list element (small here, so small files span several). */
  chunkBytes?: number;
  /** Redis: how long a write that adds nothing keeps its reservation. */
  staleMs?: number;
  /** Redis: another server than the run's shared one (a private one a test stops). */
  redisUrl?: string;
}

export interface MediaUnderTest {
  store: MediaStore;
  /** The store as another node sees it: the same data (Redis), or the same store (a local directory). */
  peer: () => Promise<MediaStore>;
  /** Everything the storage holds of any file, as keys or file names: empty means nothing was left. */
  leftovers: () => Promise<string[]>;
}

/**
 * A media store of `kind` as the server builds it (the local one in its room-less budget), on a
 * directory or Redis key prefix of its own, removed when the test ends.
 */
export async function mediaStoreOf(kind: MediaKind, budgets: MediaBudgets): Promise<MediaUnderTest> {
  if (kind === 'local') {
    const dir = await tempUploadDir();
    afterThisTest(() => removeDir(dir));
    const store = new RoomlessBudget(new LocalMediaStore(dir, budgets.maxBytes), budgets.maxRoomlessBytes);
    await store.init();
    const leftovers = async () => (await readdir(dir)).sort();
    return { store, peer: () => Promise.resolve(store), leftovers };
  }
  const url = budgets.redisUrl ?? redisUrl();
  const prefix = testPrefix();
  const open = async () => {
    const client = openRedis(url, pino({ level: 'silent' }));
    afterThisTest(() => closeRedis(client));
    await new Promise<void>((resolve) => (client.isReady ? resolve() : client.once('ready', () => resolve())));
    const store = new RedisMediaStore(client, redisKeys(prefix), {
      maxBytes: budgets.maxBytes,
      maxRoomlessBytes: budgets.maxRoomlessBytes,
      clock: Date.now,
      chunkBytes: budgets.chunkBytes ?? 1000,
      staleMs: budgets.staleMs ?? 30_000,
    });
    await store.init();
    return store;
  };
  afterThisTest(() => dropPrefix(url, prefix).catch(() => undefined));
  return { store: await open(), peer: open, leftovers: () => keysUnder(url, prefix) };
}
