import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol/messages.js';
import type { MessageStore } from '../../src/store/message-store.js';
import { textMessage } from '../helpers/domain.js';
import { storesOf, type StoresUnderTest } from '../helpers/store-factory.js';
import { storeKinds } from '../helpers/stores.js';

const T0 = Date.now();
const ROOM = 'CAT-CHU-P01';
const LATER = T0 + 60_000;
const ALL = { limit: 100, maxBytes: 1e9 };

const text = (id: string, at = T0): ChatMessage => textMessage(ROOM, id, { at });

describe.each(storeKinds())('MessageStore positions and catch-up on %s', (kind) => {
  let under: StoresUnderTest;
  afterEach(() => under.cleanup());

  async function storeWith(...ids: string[]): Promise<MessageStore> {
    under = await storesOf(kind);
    for (const id of ids) await under.stores.messages.append({ message: text(id), expiresAt: LATER });
    return under.stores.messages;
  }

  it('replays what follows the newest held message still there, in order, and names the held ones gone', async () => {
    const store = await storeWith('a', 'b', 'c', 'd', 'e');
    await store.remove(ROOM, 'b');
    const caught = await store.catchUp(ROOM, T0, { ...ALL, held: ['c', 'b', 'a'], floor: 0 });
    expect(caught.gone).toEqual(['b']);
    expect(caught.messages.map((m) => m.message.id)).toEqual(['d', 'e']);
    expect(caught.messages[0]).toEqual({ message: text('d'), expiresAt: LATER });
    expect(caught.complete).toBe(true);
    expect(caught.position).toBe(await store.position(ROOM));
  });

  it('starts after the floor when nothing held is left, and skips what expired', async () => {
    const store = await storeWith('a', 'b');
    const floor = await store.position(ROOM);
    await store.append({ message: text('c'), expiresAt: T0 + 1 });
    await store.append({ message: text('d'), expiresAt: LATER });
    const caught = await store.catchUp(ROOM, T0 + 2, { ...ALL, held: ['gone-1'], floor });
    expect(caught.gone).toEqual(['gone-1']);
    expect(caught.messages.map((m) => m.message.id)).toEqual(['d']);
  });

  it('says when more follow than the limit or the bytes let through', async () => {
    const store = await storeWith('a', 'b', 'c', 'd');
    const byCount = await store.catchUp(ROOM, T0, { held: ['a'], floor: 0, limit: 2, maxBytes: 1e9 });
    expect(byCount.complete).toBe(false);
    expect(byCount.messages.map((m) => m.message.id)).toEqual(['b', 'c']);
    const byBytes = await store.catchUp(ROOM, T0, { held: ['a'], floor: 0, limit: 100, maxBytes: 10 });
    expect(byBytes.complete).toBe(false);
    expect(byBytes.messages.map((m) => m.message.id)).toEqual(['b']);
  });

  it('keeps positions growing when the room empties and opens again', async () => {
    const store = await storeWith('a');
    const before = await store.position(ROOM);
    expect(before).toBeGreaterThan(0);
    await store.remove(ROOM, 'a');
    expect(await store.position(ROOM)).toBe(0);
    await store.append({ message: text('b', T0 + 5), expiresAt: LATER });
    expect(await store.position(ROOM)).toBeGreaterThan(before);
    const caught = await store.catchUp(ROOM, T0, { ...ALL, held: ['a'], floor: before });
    expect(caught).toMatchObject({ gone: ['a'], complete: true });
    expect(caught.messages.map((m) => m.message.id)).toEqual(['b']);
    expect(await store.catchUp('EMP-TYR-OOM', T0, { ...ALL, held: [], floor: 0 })).toEqual({
      gone: [],
      messages: [],
      complete: true,
      position: 0,
    });
  });
});

describe.each(storeKinds())('ResumeStore on %s', (kind) => {
  let under: StoresUnderTest;
  afterEach(() => under.cleanup());
  const record = { connectionId: 'node#sock', rooms: [{ roomToken: ROOM, agentId: 'Ghost', floor: 12 }] };

  it('gives a record back once, to one of two nodes asking at the same time', async () => {
    under = await storesOf(kind);
    const peer = await under.peer();
    await under.stores.resumes.save('k1', record, 60_000);
    const taken = await Promise.all([under.stores.resumes.take('k1'), peer.resumes.take('k1')]);
    expect(taken.filter((t) => t !== null)).toEqual([record]);
    expect(await under.stores.resumes.take('k1')).toBeNull();
    expect(await under.stores.resumes.take('never')).toBeNull();
  });

  it('replaces a record on save, forgets one on forget, and lets one lapse at its deadline', async () => {
    under = await storesOf(kind);
    const { resumes } = under.stores;
    await resumes.save('k2', record, 60_000);
    await resumes.save('k2', { ...record, rooms: [] }, 60_000);
    expect(await resumes.take('k2')).toEqual({ ...record, rooms: [] });
    await resumes.save('k3', record, 60_000);
    await resumes.forget('k3');
    expect(await resumes.take('k3')).toBeNull();
    await resumes.save('k4', record, 1);
    await resumes.refresh(['k5-never-saved'], 60_000);
    await new Promise((r) => setTimeout(r, 5));
    expect(await resumes.take('k4')).toBeNull();
    expect(await resumes.take('k5-never-saved')).toBeNull();
  });
});
