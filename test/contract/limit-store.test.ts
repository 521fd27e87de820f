import { createClient } from 'redis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LimitStore } from '../../src/store/limit-store.js';
import { storesOf, type StoresUnderTest } from '../helpers/store-factory.js';
import { keysUnder, storeKinds } from '../helpers/stores.js';

const perSecond = { intervalMs: 1_000, burst: 3 };

describe.each(storeKinds())('LimitStore contract on %s', (kind) => {
  let under: StoresUnderTest;
  let limits: LimitStore;
  beforeEach(async () => {
    under = await storesOf(kind);
    limits = under.stores.limits;
  });
  afterEach(() => under.cleanup());

  it('lets a burst through, then one token per interval, shared by every node', async () => {
    const t0 = Date.now();
    const peer = (await under.peer()).limits;
    expect(await limits.take('lookup:a', perSecond, t0)).toBe(0);
    expect(await peer.take('lookup:a', perSecond, t0)).toBe(0);
    expect(await limits.take('lookup:a', perSecond, t0)).toBe(0);
    expect(await peer.take('lookup:a', perSecond, t0 + 250)).toBeCloseTo(750, 0);
    expect(await limits.take('lookup:b', perSecond, t0 + 250)).toBe(0);
    expect(await limits.take('lookup:a', perSecond, t0 + 1_000)).toBe(0);
    expect(await limits.take('lookup:a', perSecond, t0 + 1_000)).toBeCloseTo(1_000, 0);
  });

  it('refuses a cost larger than what the bucket holds without taking anything', async () => {
    const t0 = Date.now();
    expect(await limits.take('upload:a', perSecond, t0, 2)).toBe(0);
    expect(await limits.take('upload:a', perSecond, t0, 2)).toBeCloseTo(1_000, 0);
    expect(await limits.take('upload:a', perSecond, t0, 1)).toBe(0);
  });

  it('counts bytes until their deadline, across nodes', async () => {
    const t0 = Date.now();
    const peer = (await under.peer()).limits;
    expect(await limits.applyUsage('images', [{ until: t0 + 1_000, bytes: 100 }], t0)).toEqual({
      applied: true,
      total: 100,
      retryAfterMs: 0,
    });
    expect((await peer.applyUsage('images', [{ until: t0 + 2_000, bytes: 50 }], t0)).total).toBe(150);
    expect((await limits.applyUsage('images', [], t0 + 1_500)).total).toBe(50);
    expect((await peer.applyUsage('images', [], t0 + 2_000)).total).toBe(0);
    expect((await limits.applyUsage('other', [], t0)).total).toBe(0);
  });

  it('refuses an addition past the limit and says when enough will have expired', async () => {
    const t0 = Date.now();
    await limits.applyUsage('addr:x', [{ until: t0 + 1_000, bytes: 100 }], t0, 200);
    await limits.applyUsage('addr:x', [{ until: t0 + 3_000, bytes: 80 }], t0, 200);
    expect(await limits.applyUsage('addr:x', [{ until: t0 + 5_000, bytes: 60 }], t0 + 200, 200)).toEqual({
      applied: false,
      total: 180,
      retryAfterMs: 800,
    });
    expect(await limits.applyUsage('addr:x', [{ until: t0 + 5_000, bytes: 20 }], t0 + 200, 200)).toMatchObject({
      applied: true,
      total: 200,
    });
    expect((await limits.applyUsage('addr:x', [{ until: t0 + 5_000, bytes: 60 }], t0 + 1_000, 200)).applied).toBe(true);
  });

  it('always takes back bytes, never below nothing, and moves them to an earlier deadline', async () => {
    const t0 = Date.now();
    await limits.applyUsage('messages', [{ until: t0 + 60_000, bytes: 100 }], t0, 100);
    const moved = await limits.applyUsage(
      'messages',
      [
        { until: t0 + 60_000, bytes: -100 },
        { until: t0 + 1_000, bytes: 100 },
      ],
      t0,
      100,
    );
    expect(moved).toMatchObject({ applied: true, total: 100 });
    expect((await limits.applyUsage('messages', [{ until: t0 + 1_000, bytes: -500 }], t0, 100)).total).toBe(0);
    expect((await limits.applyUsage('messages', [{ until: t0 + 60_000, bytes: 10 }], t0 + 1_000, 100)).total).toBe(10);
  });

  it('agrees on one salt per period between nodes, a different one for each period', async () => {
    const t0 = Date.now();
    const peer = (await under.peer()).limits;
    const salt = await limits.salt(7, t0 + 60_000);
    expect(salt).toHaveLength(32);
    expect((await peer.salt(7, t0 + 60_000)).equals(salt)).toBe(true);
    expect((await limits.salt(8, t0 + 60_000)).equals(salt)).toBe(false);
  });
});

describe.runIf(storeKinds().includes('redis'))('Redis limit keys', () => {
  let under: StoresUnderTest;
  beforeEach(async () => {
    under = await storesOf('redis');
  });
  afterEach(() => under.cleanup());

  it('every key expires by itself, no later than what it counts', async () => {
    const t0 = Date.now();
    const { limits } = under.stores;
    await limits.take('lookup:hash', { intervalMs: 60_000, burst: 2 }, t0);
    await limits.applyUsage('addr:hash', [{ until: t0 + 90_000, bytes: 10 }], t0);
    await limits.salt(3, t0 + 120_000);
    const { url, prefix } = under.redis!;
    const client = createClient({ url });
    await client.connect();
    try {
      const keys = await keysUnder(url, prefix);
      expect(keys.length).toBe(4);
      for (const key of keys) {
        const expiresAt = await client.pExpireTime(key);
        expect(expiresAt, key).toBeGreaterThan(t0);
        expect(expiresAt, key).toBeLessThanOrEqual(t0 + 122_000);
      }
      // Once everything expired, the gauge leaves nothing behind.
      await limits.applyUsage('addr:hash', [], t0 + 90_000);
      expect((await keysUnder(url, prefix)).filter((k) => k.includes('usage:'))).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
