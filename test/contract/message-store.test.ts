import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol/messages.js';
import type { MessageStore } from '../../src/store/message-store.js';
import { textMessage, WHOLE_HISTORY } from '../helpers/domain.js';
import { storesOf, type StoresUnderTest } from '../helpers/store-factory.js';
import { storeKinds } from '../helpers/stores.js';

const T0 = Date.now();

const text = (roomToken: string, id: string, ttl = 60): ChatMessage => textMessage(roomToken, id, { at: T0, ttl });

/** Every live message of the room, oldest first. */
async function listed(store: MessageStore, roomToken: string, now: number): Promise<ChatMessage[]> {
  return JSON.parse((await store.list(roomToken, now, WHOLE_HISTORY))!.json) as ChatMessage[];
}

describe.each(storeKinds())('MessageStore contract on %s', (kind) => {
  let under: StoresUnderTest;
  let store: MessageStore;
  beforeEach(async () => {
    under = await storesOf(kind);
    store = under.stores.messages;
  });
  afterEach(() => under.cleanup());

  it('lists a room oldest first, in append order, and counts it', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `msg_${T0}_${(19 - i).toString().padStart(2, '0')}`);
    for (const id of ids) await store.append({ message: text('ABC-123-XYZ', id), expiresAt: T0 + 60_000 });
    await store.append({ message: text('OTH-ER0-001', 'other'), expiresAt: T0 + 60_000 });
    expect((await listed(store, 'ABC-123-XYZ', T0)).map((m) => m.id)).toEqual(ids);
    expect(await store.count('ABC-123-XYZ', T0)).toBe(20);
    expect(await listed(store, 'NON-E00-001', T0)).toEqual([]);
    expect(await store.count('NON-E00-001', T0)).toBe(0);
  });

  it('opens the room at the first message and keeps it open while messages live', async () => {
    const rooms = under.stores.rooms;
    const t0 = Date.now();
    const first: ChatMessage = { ...text('NEW-ROO-M01', 'first'), timestamp: new Date(t0).toISOString() };
    await store.append({ message: first, expiresAt: t0 + 60_000 });
    const later: ChatMessage = { ...text('NEW-ROO-M01', 'later'), timestamp: new Date(t0 + 5).toISOString() };
    await store.append({ message: later, expiresAt: t0 + 120_000 });
    expect(await rooms.createdAt('NEW-ROO-M01', t0 + 90_000)).toBe(t0);
  });

  it('round-trips the message exactly', async () => {
    const message = text('ABC-123-XYZ', 'msg_1_a');
    await store.append({ message, expiresAt: T0 + 60_000 });
    expect(await listed(store, 'ABC-123-XYZ', T0)).toEqual([message]);
  });

  it('claims due messages once, in deadline order, and removes them from history', async () => {
    await store.append({ message: text('ABC-123-XYZ', 'late'), expiresAt: T0 + 3_000 });
    await store.append({ message: text('ABC-123-XYZ', 'early'), expiresAt: T0 + 1_000 });
    await store.append({ message: text('ABC-123-XYZ', 'keep'), expiresAt: T0 + 60_000 });
    expect(await store.claimDue(T0 + 500, 10)).toEqual([]);
    expect(await store.claimDue(T0 + 5_000, 10)).toEqual([
      { roomToken: 'ABC-123-XYZ', id: 'early', dueAt: T0 + 1_000 },
      { roomToken: 'ABC-123-XYZ', id: 'late', dueAt: T0 + 3_000 },
    ]);
    expect(await store.claimDue(T0 + 5_000, 10)).toEqual([]);
    expect((await listed(store, 'ABC-123-XYZ', T0)).map((m) => m.id)).toEqual(['keep']);
  });

  it('respects the claim limit and hands out the rest on the next claim', async () => {
    for (let i = 0; i < 5; i++) await store.append({ message: text('ABC-123-XYZ', `m${i}`), expiresAt: T0 + i });
    expect(await store.claimDue(T0 + 10, 2)).toHaveLength(2);
    expect(await store.claimDue(T0 + 10, 10)).toHaveLength(3);
  });

  it('never hands the same message to two concurrent claimers', async () => {
    const peer = (await under.peer()).messages;
    for (let i = 0; i < 200; i++) await store.append({ message: text('ABC-123-XYZ', `m${i}`), expiresAt: T0 + i });
    const claims = await Promise.all([
      ...Array.from({ length: 4 }, () => store.claimDue(T0 + 1_000, 30)),
      ...Array.from({ length: 4 }, () => peer.claimDue(T0 + 1_000, 30)),
    ]);
    const rest = await store.claimDue(T0 + 1_000, 1_000);
    const all = [...claims.flat(), ...rest].map((d) => d.id);
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
  });

  it('moves a deadline only to a sooner one', async () => {
    await store.append({ message: text('ABC-123-XYZ', 'burn', 0), expiresAt: T0 + 60_000 });
    expect(await store.expireSooner('ABC-123-XYZ', ['burn', 'missing'], T0 + 2_000)).toEqual(['burn']);
    expect(await store.expireSooner('ABC-123-XYZ', ['burn'], T0 + 30_000)).toEqual([]);
    expect(await store.claimDue(T0 + 1_999, 10)).toEqual([]);
    expect(await store.claimDue(T0 + 2_000, 10)).toEqual([{ roomToken: 'ABC-123-XYZ', id: 'burn', dueAt: T0 + 2_000 }]);
  });

  it('gets one live message with its current deadline, in its own room only', async () => {
    const now = Date.now();
    const message = text('ABC-123-XYZ', 'one', 0);
    await store.append({ message, expiresAt: now + 60_000 });
    expect(await store.get('ABC-123-XYZ', 'one', now)).toEqual({ message, expiresAt: now + 60_000 });
    expect(await store.get('OTH-ER0-001', 'one', now)).toBeNull();
    expect(await store.get('ABC-123-XYZ', 'missing', now)).toBeNull();
    await store.expireSooner('ABC-123-XYZ', ['one'], now + 30_000);
    expect((await store.get('ABC-123-XYZ', 'one', now))?.expiresAt).toBe(now + 30_000);
    expect(await store.get('ABC-123-XYZ', 'one', now + 30_000)).toBeNull();
    await store.remove('ABC-123-XYZ', 'one');
    expect(await store.get('ABC-123-XYZ', 'one', now)).toBeNull();
  });

  it('removes one message at once, reporting whether it was there', async () => {
    await store.append({ message: text('ABC-123-XYZ', 'gone'), expiresAt: T0 + 60_000 });
    expect(await store.remove('ABC-123-XYZ', 'gone')).toBe(true);
    expect(await store.remove('ABC-123-XYZ', 'gone')).toBe(false);
    expect(await listed(store, 'ABC-123-XYZ', T0)).toEqual([]);
    expect(await store.claimDue(T0 + 120_000, 10)).toEqual([]);
  });

  it('does not list a message past its deadline even before expiry has run', async () => {
    const soon = Date.now() + 300;
    await store.append({ message: text('ABC-123-XYZ', 'soon'), expiresAt: soon });
    await new Promise((r) => setTimeout(r, 400));
    expect(await listed(store, 'ABC-123-XYZ', Date.now())).toEqual([]);
  });
});
