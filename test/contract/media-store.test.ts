import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import type { MediaWrite } from '../../src/media/media-store.js';
import { afterThisTest } from '../helpers/cleanup.js';
import { eventually } from '../helpers/client.js';
import { mediaKinds, mediaStoreOf } from '../helpers/media-stores.js';
import { privateRedis } from '../helpers/private-redis.js';
import { keyTtls, redisUrl } from '../helpers/stores.js';

/** A source that yields `bytes` in pieces of 700, as a sealing stream would (not a chunk size of either store). */
const from = (bytes: Buffer) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / 700) }, (_, i) => bytes.subarray(i * 700, (i + 1) * 700)),
  );

/** A source that must never be read: a store refuses before it writes anything. */
function untouchable() {
  const source = new Readable({
    read() {
      source.read = () => {
        throw new Error('read');
      };
      throw new Error('the source was read');
    },
  });
  return source;
}

const name = (n: number, ext = 'bin') =>
  `msg_1700000000000_0123456789abcdef_1700000000001_${n.toString(16).padStart(32, '0')}.${ext}`;

const HOUR = 3_600_000;
const file = (bytes: number, more: Partial<MediaWrite> = {}): MediaWrite => ({
  bytes,
  expiresAt: Date.now() + HOUR,
  ...more,
});

const budgets = { maxBytes: 10_000, maxRoomlessBytes: 3_000 };

describe.each(mediaKinds())('MediaStore contract on %s', (kind) => {
  it('writes, reads back byte for byte, lists, counts and deletes', async () => {
    const { store, leftovers } = await mediaStoreOf(kind, budgets);
    const bytes = randomBytes(4_321);
    await store.write(name(1), from(bytes), file(bytes.length));
    const reader = await store.read(name(1));
    expect(reader?.bytes).toBe(bytes.length);
    expect((await buffer(reader!.stream)).equals(bytes)).toBe(true);
    const listed = await store.list();
    expect(listed).toEqual([{ filename: name(1), bytes: bytes.length, modifiedAt: expect.any(Number) }]);
    expect(Math.abs(listed[0]!.modifiedAt - Date.now())).toBeLessThan(60_000);
    expect(await store.usage()).toEqual({ bytes: bytes.length, limit: budgets.maxBytes });
    expect(await store.delete(name(1))).toBe(true);
    expect(await store.delete(name(1))).toBe(false);
    expect(await store.read(name(1))).toBeNull();
    expect(await store.list()).toEqual([]);
    expect((await store.usage()).bytes).toBe(0);
    expect(await leftovers()).toEqual([]);
  });

  it('shows every file to every node, and counts them the same there', async () => {
    const { store, peer } = await mediaStoreOf(kind, budgets);
    const other = await peer();
    const bytes = randomBytes(2_500);
    await store.write(name(1), from(bytes), file(bytes.length));
    expect((await buffer((await other.read(name(1)))!.stream)).equals(bytes)).toBe(true);
    expect(await other.usage()).toEqual(await store.usage());
    expect(await other.delete(name(1))).toBe(true);
    expect(await store.read(name(1))).toBeNull();
  });

  it('refuses names that are not generated image file names before touching its storage', async () => {
    const { store, leftovers } = await mediaStoreOf(kind, budgets);
    for (const bad of ['../x.png', '.secret', 'notes.txt', `${name(1)}\0`, '/etc/passwd', '..', `${name(1)}/x`, '*']) {
      expect(await store.read(bad)).toBeNull();
      expect(await store.delete(bad)).toBe(false);
      await store.expireSooner(bad, Date.now());
      await expect(store.write(bad, from(Buffer.from('x')), file(1))).rejects.toThrow();
    }
    expect(await store.list()).toEqual([]);
    expect(await leftovers()).toEqual([]);
  });

  it('answers STORAGE_FULL before reading a byte past the budget, and frees space on delete', async () => {
    const { store } = await mediaStoreOf(kind, budgets);
    await store.write(name(1), from(Buffer.alloc(6_000)), file(6_000));
    await store.write(name(2), from(Buffer.alloc(4_000)), file(4_000));
    await expect(store.write(name(3), untouchable(), file(1))).rejects.toMatchObject({ code: 'STORAGE_FULL' });
    expect(await store.read(name(3))).toBeNull();
    await store.delete(name(1));
    await store.write(name(3), from(Buffer.alloc(6_000)), file(6_000));
    expect((await store.usage()).bytes).toBe(10_000);
  });

  it('holds images in no room to their own budget, inside the total', async () => {
    const { store } = await mediaStoreOf(kind, budgets);
    await store.write(name(1), from(Buffer.alloc(2_000)), file(2_000, { roomless: true }));
    const refused = store.write(name(2), untouchable(), file(2_000, { roomless: true }));
    await expect(refused).rejects.toMatchObject({ code: 'STORAGE_FULL' });
    // Room images still have the rest of the total.
    await store.write(name(3), from(Buffer.alloc(8_000)), file(8_000));
    await store.delete(name(1));
    await store.write(name(2), from(Buffer.alloc(2_000)), file(2_000, { roomless: true }));
  });

  it('lets no concurrent writes, from any node, overshoot the budget together', async () => {
    const { store, peer } = await mediaStoreOf(kind, budgets);
    const other = await peer();
    const writes = Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? other : store).write(name(i), from(randomBytes(3_000)), file(3_000)),
    );
    const results = await Promise.allSettled(writes);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'STORAGE_FULL' });
    expect((await store.usage()).bytes).toBe(9_000);
    expect(await store.list()).toHaveLength(3);
  });

  it('keeps nothing of a write that fails part-way: a broken source, or one that lies about its length', async () => {
    const { store, leftovers } = await mediaStoreOf(kind, budgets);
    await expect(store.write(name(1), from(Buffer.alloc(5_000)), file(4_000))).rejects.toThrow('longer');
    await expect(store.write(name(2), from(Buffer.alloc(3_000)), file(4_000))).rejects.toThrow('shorter');
    const broken = Readable.from(
      (async function* () {
        yield Buffer.alloc(2_500);
        throw new Error('client went away');
      })(),
    );
    await expect(store.write(name(3), broken, file(4_000))).rejects.toThrow('client went away');
    const stillborn = Readable.from(
      (async function* () {
        yield* [];
        throw new Error('never started');
      })(),
    );
    await expect(store.write(name(4), stillborn, file(4_000))).rejects.toThrow('never started');
    expect(await leftovers()).toEqual([]);
    expect(await store.list()).toEqual([]);
    expect((await store.usage()).bytes).toBe(0);
    // Nothing of the failures is counted: the whole budget is there.
    await store.write(name(5), from(Buffer.alloc(10_000)), file(10_000));
  });

  it('fails a write whose source breaks before the store has taken a byte, crashing nothing, keeping nothing', async () => {
    const { store, leftovers } = await mediaStoreOf(kind, budgets);
    const source = new Readable({ read: () => undefined });
    const writing = store.write(name(1), source, file(4_000));
    // The error comes while the store still prepares the write (with Redis, before its reservation is answered).
    source.destroy(new Error('client went away early'));
    await expect(writing).rejects.toThrow('client went away early');
    expect(await leftovers()).toEqual([]);
    expect((await store.usage()).bytes).toBe(0);
  });

  it('never overwrites a file', async () => {
    const { store } = await mediaStoreOf(kind, budgets);
    await store.write(name(1), from(Buffer.from('first')), file(5));
    await expect(store.write(name(1), from(Buffer.from('other')), file(5))).rejects.toThrow();
    expect((await store.usage()).bytes).toBe(5);
    expect((await buffer((await store.read(name(1)))!.stream)).toString()).toBe('first');
  });

  // Redis drops an image's bytes at its deadline by itself; a directory keeps them for the image
  // janitor, which deletes them at the same deadline (test/e2e/expiry.test.ts).
  const expiresByItself = kind === 'redis';

  it(`${expiresByItself ? 'drops every chunk' : 'keeps the file for the janitor'} at the deadline, moved sooner or not`, async () => {
    const { store, leftovers } = await mediaStoreOf(kind, budgets);
    const soon = Date.now() + 1_000;
    await store.write(name(1), from(randomBytes(3_500)), file(3_500, { expiresAt: soon }));
    await store.write(name(2), from(randomBytes(3_500)), file(3_500));
    await store.expireSooner(name(2), soon);
    await store.expireSooner(name(1), soon + HOUR);
    await new Promise((r) => setTimeout(r, soon + 200 - Date.now()));
    if (expiresByItself) {
      // The chunks go by themselves, without any node's help; the ledger forgets them at its next use.
      const chunks = async () => (await leftovers()).filter((key) => /:media(-part)?:/.test(key));
      await eventually(async () => (await chunks()).length === 0, 5_000);
      expect(await store.read(name(1))).toBeNull();
      expect(await store.read(name(2))).toBeNull();
      expect(await store.usage()).toEqual({ bytes: 0, limit: budgets.maxBytes });
      expect(await store.list()).toEqual([]);
      expect(await leftovers()).toEqual([]);
    } else {
      expect((await store.list()).map((f) => f.filename).sort()).toEqual([name(1), name(2)]);
      expect(await store.delete(name(1))).toBe(true);
      expect(await store.delete(name(2))).toBe(true);
      expect(await leftovers()).toEqual([]);
    }
  });
});

describe.runIf(mediaKinds().includes('redis'))('Redis media store: keys and failures', () => {
  it('gives every key a TTL no later than the last deadline, and lets a file no key without one', async () => {
    const { store, leftovers } = await mediaStoreOf('redis', budgets);
    const deadline = Date.now() + 60_000;
    await store.write(name(1), from(randomBytes(3_000)), file(3_000, { expiresAt: deadline }));
    const keys = await leftovers();
    expect(keys.some((key) => key.endsWith(`:media:${name(1)}`))).toBe(true);
    const ttls = await keyTtls(redisUrl(), keys[0]!.slice(0, keys[0]!.indexOf('media')));
    for (const [key, ttl] of ttls) {
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(deadline - Date.now() + 50);
    }
  });

  it('fails a read with STORE_UNAVAILABLE when Redis stops answering part-way, and does not hang', async () => {
    const redis = await privateRedis();
    const { store } = await mediaStoreOf('redis', {
      ...budgets,
      maxBytes: 1_000_000,
      chunkBytes: 20_000,
      redisUrl: redis.url,
    });
    await store.write(name(1), from(randomBytes(100_000)), file(100_000));
    const reader = (await store.read(name(1)))!;
    const chunks = reader.stream[Symbol.asyncIterator]();
    expect(((await chunks.next()).value as Buffer).length).toBe(20_000);
    redis.pause();
    afterThisTest(() => redis.resume());
    const rest = (async () => {
      for (let next = await chunks.next(); !next.done; next = await chunks.next());
    })();
    await expect(rest).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('fails a write with STORE_UNAVAILABLE when Redis goes away part-way; what it left lapses by itself', async () => {
    const redis = await privateRedis({ persist: true });
    const { store, leftovers } = await mediaStoreOf('redis', { ...budgets, staleMs: 1_000, redisUrl: redis.url });
    let goOn!: () => void;
    const halfway = new Promise<void>((resolve) => (goOn = resolve));
    const source = Readable.from(
      (async function* () {
        yield randomBytes(2_500);
        await halfway;
        yield randomBytes(2_500);
      })(),
    );
    const writing = store.write(name(1), source, file(5_000));
    await eventually(async () => (await leftovers()).some((key) => key.includes(':media-part:')), 5_000);
    await redis.stop();
    goOn();
    await expect(writing).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    // Back with what it had on disk: the half-written file and its reservation lapse within staleMs.
    await redis.start();
    await eventually(async () => (await store.usage().catch(() => null))?.bytes === 0, 10_000);
    expect(await leftovers()).toEqual([]);
    expect(await store.read(name(1))).toBeNull();
  });

  it('never completes a write that lapsed part-way: no file is stored missing the pieces that expired', async () => {
    const { store, leftovers } = await mediaStoreOf('redis', { ...budgets, staleMs: 500 });
    let goOn!: () => void;
    const stalled = new Promise<void>((resolve) => (goOn = resolve));
    const source = Readable.from(
      (async function* () {
        yield randomBytes(2_500);
        await stalled;
        yield randomBytes(2_500);
      })(),
    );
    const writing = store.write(name(1), source, file(5_000));
    await eventually(async () => (await leftovers()).some((key) => key.includes(':media-part:')), 5_000);
    // The write stalls past staleMs: Redis drops its pieces (no other call has forgotten it yet).
    await eventually(async () => !(await leftovers()).some((key) => key.includes(':media-part:')), 5_000);
    goOn();
    await expect(writing).rejects.toThrow('lapsed');
    expect(await store.read(name(1))).toBeNull();
    expect((await store.usage()).bytes).toBe(0);
    expect(await leftovers()).toEqual([]);
  });

  it('answers STORAGE_FULL when Redis runs out of memory (maxmemory, noeviction), leaving nothing', async () => {
    const redis = await privateRedis({ args: ['--maxmemory', '3mb', '--maxmemory-policy', 'noeviction'] });
    const { store, leftovers } = await mediaStoreOf('redis', {
      maxBytes: 64_000_000,
      maxRoomlessBytes: 64_000_000,
      chunkBytes: 256 * 1024,
      redisUrl: redis.url,
    });
    const refused = store.write(name(1), from(randomBytes(8_000_000)), file(8_000_000));
    await expect(refused).rejects.toMatchObject({ code: 'STORAGE_FULL' });
    expect(await leftovers()).toEqual([]);
    await store.write(name(2), from(randomBytes(100_000)), file(100_000));
  });

  it('still deletes, burns and forgets images while Redis is past maxmemory: that is what frees it', async () => {
    const redis = await privateRedis({ args: ['--maxmemory-policy', 'noeviction'] });
    const { store, leftovers } = await mediaStoreOf('redis', { ...budgets, maxBytes: 1_000_000, redisUrl: redis.url });
    for (const n of [1, 2, 3]) await store.write(name(n), from(randomBytes(3_000)), file(3_000));
    // Whatever filled it (messages, other images, an operator lowering maxmemory), Redis is now full.
    const admin = createClient({ url: redis.url });
    await admin.connect();
    afterThisTest(() => admin.close());
    await admin.configSet('maxmemory', '1');
    await expect(admin.set('probe', 'x')).rejects.toThrow(/^OOM /);
    expect(await store.delete(name(1))).toBe(true);
    await store.expireSooner(name(2), Date.now() - 1);
    expect(await store.read(name(2))).toBeNull();
    await store.delete(name(3));
    expect((await store.usage()).bytes).toBe(0);
    expect(await leftovers()).toEqual([]);
  });
});
