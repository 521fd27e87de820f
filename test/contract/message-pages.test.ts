import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol/messages.js';
import type { MessagePage, MessageStore, RoomCaps } from '../../src/store/message-store.js';
import { ROOM_CAPS, textMessage } from '../helpers/domain.js';
import { storesOf, type StoresUnderTest } from '../helpers/store-factory.js';
import { storeKinds } from '../helpers/stores.js';

const T0 = Date.now();
const ROOM = 'PAG-ING-001';
const LATER = T0 + 60_000;

const text = (id: string, body = `body of ${id}`, ttl = 60): ChatMessage =>
  textMessage(ROOM, id, { at: T0, ttl, body });

function image(id: string, size: number): ChatMessage {
  const imageData = { id: `img_${id}`, name: 'a.png', filename: 'f.png', imageUrl: '/f', size, mimeType: 'image/png' };
  return { ...text(id), type: 'image', imageData: { ...imageData, dimensions: null }, caption: '' };
}

/** A page with its messages parsed, to compare as objects (its count and cursor checked against them). */
function parsed(page: MessagePage | null): { messages: ChatMessage[]; hasMore: boolean } | null {
  if (!page) return null;
  const messages = JSON.parse(page.json) as ChatMessage[];
  expect(page.count).toBe(messages.length);
  expect(page.oldestId).toBe(messages[0]?.id ?? null);
  return { messages, hasMore: page.hasMore };
}
const ids = (page: MessagePage | null) => parsed(page)!.messages.map((m) => m.id);
const nth = (i: number) => `m${String(i).padStart(3, '0')}`;

describe.each(storeKinds())('MessageStore pages and caps on %s', (kind) => {
  let under: StoresUnderTest;
  afterEach(() => under.cleanup());

  async function storeWith(count: number, caps: Partial<RoomCaps> = {}): Promise<MessageStore> {
    under = await storesOf(kind, { caps: { ...ROOM_CAPS, ...caps } });
    for (let i = 0; i < count; i++) await under.stores.messages.append({ message: text(nth(i)), expiresAt: LATER });
    return under.stores.messages;
  }

  it('answers the newest page by default, oldest first, and pages back with `before`', async () => {
    const store = await storeWith(7);
    const newest = await store.list(ROOM, T0, { limit: 3, maxBytes: 1e9 });
    expect(parsed(newest)).toEqual({ messages: expect.any(Array), hasMore: true });
    expect(ids(newest)).toEqual([nth(4), nth(5), nth(6)]);
    const older = await store.list(ROOM, T0, { limit: 3, maxBytes: 1e9, before: nth(4) });
    expect(ids(older)).toEqual([nth(1), nth(2), nth(3)]);
    expect(older!.hasMore).toBe(true);
    const oldest = await store.list(ROOM, T0, { limit: 3, maxBytes: 1e9, before: nth(1) });
    expect(parsed(oldest)).toEqual({ messages: [text(nth(0))], hasMore: false });
    expect(parsed(await store.list('EMP-TYR-OOM', T0, { limit: 3, maxBytes: 1e9 }))).toEqual({
      messages: [],
      hasMore: false,
    });
  });

  it('reads forward with `after`, for a client catching up', async () => {
    const store = await storeWith(5);
    const page = await store.list(ROOM, T0, { limit: 2, maxBytes: 1e9, after: nth(1) });
    expect(parsed(page)).toEqual({ messages: [text(nth(2)), text(nth(3))], hasMore: true });
    expect(parsed(await store.list(ROOM, T0, { limit: 2, maxBytes: 1e9, after: nth(3) }))).toEqual({
      messages: [text(nth(4))],
      hasMore: false,
    });
  });

  it('stops a page at its byte budget, yet always takes at least one message', async () => {
    const store = await storeWith(0);
    for (let i = 0; i < 4; i++) await store.append({ message: text(nth(i), 'x'.repeat(1000)), expiresAt: LATER });
    const page = await store.list(ROOM, T0, { limit: 100, maxBytes: 2500 });
    expect(ids(page)).toEqual([nth(2), nth(3)]);
    expect(page!.hasMore).toBe(true);
    expect(ids(await store.list(ROOM, T0, { limit: 100, maxBytes: 10 }))).toEqual([nth(3)]);
  });

  it('skips expired messages and answers null for a cursor that is not in the room', async () => {
    const store = await storeWith(4);
    await store.expireSooner(ROOM, [nth(1)], T0 + 10);
    expect(ids(await store.list(ROOM, T0 + 20, { limit: 10, maxBytes: 1e9, before: nth(3) }))).toEqual([
      nth(0),
      nth(2),
    ]);
    expect(await store.list(ROOM, T0, { limit: 10, maxBytes: 1e9, before: 'msg_1_nothere' })).toBeNull();
    await store.remove(ROOM, nth(2));
    expect(await store.list(ROOM, T0, { limit: 10, maxBytes: 1e9, after: nth(2) })).toBeNull();
  });

  it('walks back past more expired messages than a page holds', async () => {
    const store = await storeWith(8);
    await store.expireSooner(ROOM, [nth(3), nth(4), nth(5), nth(6), nth(7)], T0 + 10);
    expect(parsed(await store.list(ROOM, T0 + 20, { limit: 2, maxBytes: 1e9 }))).toEqual({
      messages: [text(nth(1)), text(nth(2))],
      hasMore: true,
    });
    await store.expireSooner(ROOM, [nth(1), nth(2)], T0 + 10);
    expect(parsed(await store.list(ROOM, T0 + 20, { limit: 2, maxBytes: 1e9 }))).toEqual({
      messages: [text(nth(0))],
      hasMore: false,
    });
  });

  it('reads forward past more expired messages than a page holds', async () => {
    const store = await storeWith(8);
    await store.expireSooner(ROOM, [nth(1), nth(2), nth(3), nth(4), nth(5)], T0 + 10);
    expect(parsed(await store.list(ROOM, T0 + 20, { limit: 2, maxBytes: 1e9, after: nth(0) }))).toEqual({
      messages: [text(nth(6)), text(nth(7))],
      hasMore: false,
    });
  });

  it('drops the oldest messages beyond the message cap, in the same step, and never claims them later', async () => {
    const store = await storeWith(3, { maxMessages: 3 });
    expect(await store.append({ message: text(nth(3)), expiresAt: LATER })).toEqual({
      stored: true,
      dropped: [nth(0)],
    });
    expect(ids(await store.list(ROOM, T0, { limit: 10, maxBytes: 1e9 }))).toEqual([nth(1), nth(2), nth(3)]);
    expect(await store.count(ROOM, T0)).toBe(3);
    expect((await store.claimDue(LATER + 1, 10)).map((d) => d.id).sort()).toEqual([nth(1), nth(2), nth(3)]);
  });

  it('drops the oldest messages beyond the byte cap, but never the new one', async () => {
    const store = await storeWith(0, { maxMessageBytes: 3000 });
    for (let i = 0; i < 2; i++) await store.append({ message: text(nth(i), 'x'.repeat(1000)), expiresAt: LATER });
    expect(await store.append({ message: text(nth(2), 'x'.repeat(1000)), expiresAt: LATER })).toEqual({
      stored: true,
      dropped: [nth(0)],
    });
    expect(await store.append({ message: text(nth(3), 'y'.repeat(5000)), expiresAt: LATER })).toEqual({
      stored: true,
      dropped: [nth(1), nth(2)],
    });
    expect(ids(await store.list(ROOM, T0, { limit: 10, maxBytes: 1e9 }))).toEqual([nth(3)]);
  });

  it("refuses an image that would take the room past its image bytes, and counts removed images' bytes back", async () => {
    const store = await storeWith(0, { maxImageBytes: 1000 });
    expect(await store.append({ message: image('a', 600), expiresAt: LATER })).toEqual({ stored: true, dropped: [] });
    expect(await store.append({ message: image('b', 600), expiresAt: LATER })).toEqual({ stored: false });
    expect(await store.count(ROOM, T0)).toBe(1);
    await store.remove(ROOM, 'a');
    expect(await store.append({ message: image('b', 600), expiresAt: LATER })).toEqual({ stored: true, dropped: [] });
  });

  it('forgets the room, its opening time included, with its last message', async () => {
    const store = await storeWith(2);
    expect(await under.stores.rooms.createdAt(ROOM, T0)).toBe(T0);
    await store.remove(ROOM, nth(0));
    await store.claimDue(LATER, 10);
    expect(await under.stores.rooms.createdAt(ROOM, T0)).toBeNull();
    expect(await store.count(ROOM, T0)).toBe(0);
  });
});
