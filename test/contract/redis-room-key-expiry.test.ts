import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOM_KEYS_GRACE_MS } from '../../src/defaults.js';
import type { ChatMessage } from '../../src/protocol/messages.js';
import type { MessageStore } from '../../src/store/message-store.js';
import { textMessage } from '../helpers/domain.js';
import { storesOf, type StoresUnderTest } from '../helpers/store-factory.js';
import { keyTtls, storeKinds } from '../helpers/stores.js';

const ROOM = 'KEY-EXP-R01';

const text = (id: string, at: number): ChatMessage => textMessage(ROOM, id, { at });

// The room's keys expire on their own even if no node is left to run expiry: a backstop that must
// hold whatever order deadlines come in, and again once a room emptied and started over.
describe.runIf(storeKinds().includes('redis'))('Redis room keys', () => {
  let under: StoresUnderTest;
  let store: MessageStore;
  beforeEach(async () => {
    under = await storesOf('redis');
    store = under.stores.messages;
  });
  afterEach(() => under.cleanup());

  /** Remaining life (ms) of every key of the room, by the key's last part; -1 for none. */
  async function roomKeyLives(): Promise<Map<string, number>> {
    const lives = new Map<string, number>();
    for (const [key, ttl] of await keyTtls(under.redis!.url, under.redis!.prefix)) {
      if (key.startsWith(`room:${ROOM}:`)) lives.set(key.slice(`room:${ROOM}:`.length), ttl);
    }
    return lives;
  }

  async function expectRoomKeysOutlive(deadline: number): Promise<void> {
    const lives = await roomKeyLives();
    expect([...lives.keys()].sort()).toEqual(['created', 'messages', 'seq', 'sizes', 'usage']);
    for (const [key, ttl] of lives) {
      const expiresAt = Date.now() + ttl;
      expect(ttl, key).toBeGreaterThan(0);
      expect(expiresAt, key).toBeGreaterThanOrEqual(deadline + ROOM_KEYS_GRACE_MS - 1_000);
      // Bounded: nothing of the room is kept more than two graces past its last deadline.
      expect(expiresAt, key).toBeLessThanOrEqual(deadline + 2 * ROOM_KEYS_GRACE_MS + 1_000);
    }
  }

  it('outlive the latest deadline by a bounded grace, whatever order deadlines come in', async () => {
    const now = Date.now();
    await store.append({ message: text('a', now), expiresAt: now + 10_000 });
    await expectRoomKeysOutlive(now + 10_000);
    await store.append({ message: text('b', now), expiresAt: now + 300_000 });
    await expectRoomKeysOutlive(now + 300_000);
    // A sooner deadline never shortens what the room already needs.
    await store.append({ message: text('c', now), expiresAt: now + 5_000 });
    await expectRoomKeysOutlive(now + 300_000);
    for (let i = 0; i < 20; i++)
      await store.append({ message: text(`d${i}`, now), expiresAt: now + 300_000 + i * 10_000 });
    await expectRoomKeysOutlive(now + 300_000 + 19 * 10_000);
  });

  it('expire again after the room emptied and started over', async () => {
    const now = Date.now();
    await store.append({ message: text('first', now), expiresAt: now + 200_000 });
    expect(await store.remove(ROOM, 'first')).toBe(true);
    expect(await roomKeyLives()).toEqual(new Map());
    await store.append({ message: text('again', now), expiresAt: now + 100_000 });
    await expectRoomKeysOutlive(now + 100_000);
  });
});
