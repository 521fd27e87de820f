import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { UnreadStore } from '../../src/store/unread-store.js';
import { storesOf, type StoresUnderTest } from '../helpers/store-factory.js';
import { keysUnder, redisUrl, storeKinds } from '../helpers/stores.js';

const ROOM = 'ABC-123-XYZ';

describe.each(storeKinds())('UnreadStore contract on %s', (kind) => {
  let under: StoresUnderTest;
  let unread: UnreadStore;
  const now = Date.now();
  beforeEach(async () => {
    under = await storesOf(kind);
    unread = under.stores.unread;
  });
  afterEach(() => under.cleanup());

  it("takes the room's unread messages of other senders, once, and leaves the reader's own", async () => {
    await unread.add(ROOM, 'm1', 'Ghost', now + 60_000);
    await unread.add(ROOM, 'm2', 'Reader', now + 60_000);
    await unread.add(ROOM, 'm3', 'Shadow', now + 60_000);
    await unread.add('OTH-ER0-001', 'm4', 'Ghost', now + 60_000);
    expect((await unread.takeFor(ROOM, 'Reader', now)).sort()).toEqual(['m1', 'm3']);
    expect(await unread.takeFor(ROOM, 'Reader', now)).toEqual([]);
    expect(await unread.takeFor(ROOM, 'Ghost', now)).toEqual(['m2']);
    expect(await unread.takeFor('OTH-ER0-001', 'Reader', now)).toEqual(['m4']);
  });

  it('never takes a message past its deadline, and drops it', async () => {
    await unread.add(ROOM, 'gone', 'Ghost', now + 10_000);
    await unread.add(ROOM, 'live', 'Ghost', now + 60_000);
    expect(await unread.takeFor(ROOM, 'Reader', now + 10_000)).toEqual(['live']);
    expect(await unread.takeFor(ROOM, 'Reader', now)).toEqual([]);
  });

  it('keeps names with any characters apart', async () => {
    await unread.add(ROOM, 'm1', 'Gh|ost 👻', now + 60_000);
    expect(await unread.takeFor(ROOM, 'Gh|ost 👻', now)).toEqual([]);
    expect(await unread.takeFor(ROOM, 'Gh', now)).toEqual(['m1']);
  });

  it('forgets what was read some other way', async () => {
    await unread.add(ROOM, 'm1', 'Ghost', now + 60_000);
    await unread.add(ROOM, 'm2', 'Ghost', now + 60_000);
    await unread.forget(ROOM, ['m1', 'missing']);
    await unread.forget('NON-E00-001', ['m2']);
    expect(await unread.takeFor(ROOM, 'Reader', now)).toEqual(['m2']);
  });

  it('hands each message to one taker when readers join on several nodes at once', async () => {
    for (let i = 0; i < 50; i++) await unread.add(ROOM, `m${i}`, 'Ghost', now + 60_000);
    const peer = await under.peer();
    const takes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? peer.unread : unread).takeFor(ROOM, `Reader ${i}`, now)),
    );
    const all = takes.flat();
    expect(all).toHaveLength(50);
    expect(new Set(all).size).toBe(50);
  });

  if (kind === 'redis') {
    it('keeps the room hash only as long as its longest-lived entry, and not at all once emptied', async () => {
      await unread.add(ROOM, 'm1', 'Ghost', now + 30_000);
      await unread.add(ROOM, 'm2', 'Ghost', now + 60_000);
      await unread.add(ROOM, 'm3', 'Ghost', now + 10_000);
      const key = `${under.prefix!}room:${ROOM}:unread`;
      expect(await keysUnder(redisUrl(), under.prefix!)).toContain(key);
      const client = createClient({ url: redisUrl() });
      await client.connect();
      try {
        expect(await client.pExpireTime(key)).toBe(now + 60_000);
        await unread.takeFor(ROOM, 'Reader', now);
        expect(await client.exists(key)).toBe(0);
      } finally {
        await client.close();
      }
    });
  }
});
