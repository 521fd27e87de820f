import { describe, expect, it } from 'vitest';
import { AddressHasher } from '../../src/domain/limits/address-hasher.js';
import type { LimitStore } from '../../src/store/limit-store.js';
import { MemoryLimitStore } from '../../src/store/memory/memory-limit-store.js';
import { testClock } from '../helpers/domain.js';

const DAY = 86_400_000;

describe('AddressHasher', () => {
  it('gives an address one name per period, another the next, and never the address itself', async () => {
    const clock = testClock(10 * DAY);
    const store = new MemoryLimitStore();
    const hasher = new AddressHasher(store, clock.now, DAY, 30_000);
    const today = await hasher.current('203.0.113.9');
    expect(today).toMatch(/^[\w-]{22}$/);
    expect(today).not.toContain('203');
    expect(await hasher.current('203.0.113.9')).toBe(today);
    expect(await hasher.current('203.0.113.10')).not.toBe(today);
    // Another node on the same store names it alike.
    expect(await new AddressHasher(store, clock.now, DAY, 30_000).current('203.0.113.9')).toBe(today);
    clock.advance(DAY);
    const [tomorrow, yesterday] = await hasher.recent('203.0.113.9');
    expect(tomorrow).not.toBe(today);
    expect(yesterday).toBe(today);
  });

  it('hashes under a salt of its own while the store does not answer', async () => {
    const clock = testClock(10 * DAY);
    const failing: LimitStore = {
      take: () => Promise.reject(new Error('down')),
      applyUsage: () => Promise.reject(new Error('down')),
      salt: () => Promise.reject(new Error('down')),
    };
    const hasher = new AddressHasher(failing, clock.now, DAY, 30_000);
    const first = await hasher.current('203.0.113.9');
    expect(await hasher.current('203.0.113.9')).toBe(first);
    expect(await hasher.current('203.0.113.10')).not.toBe(first);
  });
});
