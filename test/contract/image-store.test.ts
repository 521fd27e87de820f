import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRecord, ImageStore } from '../../src/store/image-store.js';
import { MemoryImageStore } from '../../src/store/memory/memory-image-store.js';
import { redisKeys } from '../../src/store/redis/keys.js';
import { openRedis, type RedisClient } from '../../src/store/redis/redis-connection.js';
import { RedisImageStore } from '../../src/store/redis/redis-image-store.js';
import { dropPrefix, redisUrl, storeKinds, testPrefix } from '../helpers/stores.js';

// In the future: Redis expires keys by its own clock, so logical deadlines must not have passed for real.
const T0 = Date.now() + 3_600_000;

function record(n: number, overrides: Partial<ImageRecord> = {}): ImageRecord {
  const hex = n.toString(16).padStart(16, '0');
  return {
    id: `img_${T0}_${hex}`,
    filename: `msg_${T0}_${hex}_${T0}_${hex.repeat(2)}.png`,
    carrier: { roomToken: 'ABC-123-XYZ', messageId: `msg_${T0}_${hex}` },
    name: `picture-${n}.png`,
    mimeType: 'image/png',
    size: 100 + n,
    dimensions: { width: 10, height: 20 },
    ttl: 60,
    createdAt: T0,
    expiresAt: T0 + 60_000,
    key: Buffer.alloc(32, n).toString('base64'),
    ...overrides,
  };
}

describe.each(storeKinds())('ImageStore contract on %s', (kind) => {
  let store: ImageStore;
  let client: RedisClient | null = null;
  let prefix = '';

  beforeEach(async () => {
    if (kind === 'memory') {
      store = new MemoryImageStore();
      return;
    }
    prefix = testPrefix();
    client = openRedis(redisUrl(), pino({ level: 'silent' }));
    await new Promise<void>((resolve) => (client!.isReady ? resolve() : client!.once('ready', () => resolve())));
    store = new RedisImageStore(client, redisKeys(prefix));
  });

  afterEach(async () => {
    if (client) {
      await client.close();
      client = null;
      await dropPrefix(redisUrl(), prefix);
    }
  });

  it('finds a stored record by id, file name and carrying message, key included', async () => {
    const r = record(1);
    await store.put(r);
    expect(await store.get(r.id, T0)).toEqual(r);
    expect(await store.getByFilename(r.filename, T0)).toEqual(r);
    expect(await store.getByMessage(r.carrier!.messageId, T0)).toEqual(r);
    expect(await store.get('img_0_0000000000000000', T0)).toBeNull();
  });

  it('stores images without a carrying message', async () => {
    const r = record(2, { carrier: null });
    await store.put(r);
    expect(await store.getByFilename(r.filename, T0)).toEqual(r);
  });

  it('reads nothing once the deadline has passed, even before the schedule is claimed', async () => {
    const r = record(3, { expiresAt: T0 + 1000 });
    await store.put(r);
    expect(await store.get(r.id, T0 + 999)).not.toBeNull();
    expect(await store.get(r.id, T0 + 1000)).toBeNull();
    expect(await store.getByFilename(r.filename, T0 + 5000)).toBeNull();
  });

  it('claims due images once, oldest first, in batches, and leaves the rest', async () => {
    const due = [
      record(10, { expiresAt: T0 + 3 }),
      record(11, { expiresAt: T0 + 1 }),
      record(12, { expiresAt: T0 + 2 }),
    ];
    const later = record(13, { expiresAt: T0 + 60_000 });
    for (const r of [...due, later]) await store.put(r);
    const first = await store.claimDue(T0 + 10, 2);
    const second = await store.claimDue(T0 + 10, 2);
    expect([...first, ...second].map((d) => d.id)).toEqual([due[1]!.id, due[2]!.id, due[0]!.id]);
    expect(first[0]).toEqual({ id: due[1]!.id, filename: due[1]!.filename, carrier: due[1]!.carrier, dueAt: T0 + 1 });
    expect(await store.claimDue(T0 + 10, 10)).toEqual([]);
    expect(await store.get(later.id, T0 + 10)).not.toBeNull();
  });

  it('hands each due image to exactly one of many concurrent claimers', async () => {
    const all = Array.from({ length: 30 }, (_, i) => record(100 + i, { expiresAt: T0 + i }));
    for (const r of all) await store.put(r);
    const claims = await Promise.all(Array.from({ length: 6 }, () => store.claimDue(T0 + 1000, 7)));
    const again = await store.claimDue(T0 + 1000, 100);
    const ids = [...claims.flat(), ...again].map((d) => d.id).sort();
    expect(ids).toEqual(all.map((r) => r.id).sort());
  });

  it('moves a deadline only sooner, and claims at the new one', async () => {
    const r = record(4);
    await store.put(r);
    expect(await store.expireSooner(r, T0 + 120_000)).toBe(false);
    expect(await store.expireSooner(r, T0 + 500)).toBe(true);
    expect((await store.get(r.id, T0))?.expiresAt).toBe(T0 + 500);
    expect(await store.claimDue(T0 + 499, 10)).toEqual([]);
    expect((await store.claimDue(T0 + 500, 10)).map((d) => d.id)).toEqual([r.id]);
  });

  it('removes for exactly one caller, with its indexes, and never claims it afterwards', async () => {
    const r = record(5, { expiresAt: T0 + 10 });
    await store.put(r);
    const results = await Promise.all([store.remove(r), store.remove(r), store.remove(r)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get(r.id, T0)).toBeNull();
    expect(await store.getByFilename(r.filename, T0)).toBeNull();
    expect(await store.getByMessage(r.carrier!.messageId, T0)).toBeNull();
    expect(await store.claimDue(T0 + 100, 10)).toEqual([]);
  });

  it('returns copies: changing what it returned changes nothing stored', async () => {
    const r = record(6);
    await store.put(r);
    const got = (await store.get(r.id, T0))!;
    got.key = 'tampered';
    got.dimensions!.width = 1;
    got.carrier!.roomToken = 'XXX-XXX-XXX';
    r.dimensions!.height = 2;
    expect(await store.get(r.id, T0)).toEqual(record(6));
  });
});
