import { describe, expect, it } from 'vitest';
import {
  asText,
  collect,
  emitWithoutAck,
  eventually,
  joinedClient,
  nextEvent,
  openClient,
  request,
} from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const ROOM = 'ABC-123-XYZ';
const MESSAGE_ID = /^msg_\d{13}_[0-9a-f]{16}$/;
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.each(storeKinds())('text messages on %s', (store) => {
  let running: RunningServer;

  it('broadcasts new-message to the room, sender included, in the reference shape', async () => {
    running = await startServer({ store });
    const ghost = await joinedClient(running.url, ROOM, 'Ghost-456');
    const shadow = await joinedClient(running.url, ROOM, 'Shadow-789');
    const outsider = await joinedClient(running.url, 'OUT-SID-ER1', 'Outsider');
    const outsiderSaw = collect(outsider, 'new-message');
    const toShadow = nextEvent(shadow, 'new-message');
    const toGhost = nextEvent(ghost, 'new-message');
    const ack = await request(ghost, 'send-message', {
      roomToken: ROOM,
      message: 'Hello World!',
      sender: 'Ghost-456',
      ttl: 3600,
    });
    const received = await toShadow;
    expect(received).toEqual({
      id: expect.stringMatching(MESSAGE_ID),
      type: 'text',
      message: 'Hello World!',
      sender: 'Ghost-456',
      timestamp: expect.stringMatching(ISO_UTC),
      ttl: 3600,
      roomToken: ROOM,
    });
    expect(await toGhost).toEqual(received);
    expect(ack).toEqual({ ok: true, messageId: received.id, timestamp: received.timestamp });
    expect(outsiderSaw).toEqual([]);
  });

  it('uses the joined name as sender and ignores a spoofed one', async () => {
    running = await startServer({ store });
    const ghost = await joinedClient(running.url, ROOM, 'Ghost');
    const shadow = await joinedClient(running.url, ROOM, 'Shadow');
    const received = nextEvent(shadow, 'new-message');
    await request(ghost, 'send-message', { roomToken: ROOM, message: 'I am Shadow', sender: 'Shadow' });
    expect((await received).sender).toBe('Ghost');
    const history = await getJson(`${running.url}/api/room/${ROOM}/messages`);
    expect(history.messages[0].sender).toBe('Ghost');
  });

  it('refuses a send to a room the socket has not joined, and broadcasts nothing', async () => {
    running = await startServer({ store });
    const member = await joinedClient(running.url, ROOM, 'Member');
    const seen = collect(member, 'new-message');
    const stranger = await openClient(running.url);
    const errorEvent = nextEvent(stranger, 'error');
    const ack = await request(stranger, 'send-message', { roomToken: ROOM, message: 'let me in', sender: 'Member' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });
    expect(await errorEvent).toMatchObject({ code: 'NOT_A_MEMBER', event: 'send-message' });
    // A member's message sent afterwards arrives first and alone: the stranger's never did.
    await request(member, 'send-message', { roomToken: ROOM, message: 'after' });
    await eventually(() => seen.length === 1);
    expect(seen.map((m) => asText(m).message)).toEqual(['after']);
    expect((await getJson(`${running.url}/api/room/${ROOM}/messages`)).count).toBe(1);
  });

  it('refuses sending after leaving the room', async () => {
    running = await startServer({ store });
    const client = await joinedClient(running.url, ROOM, 'Ghost');
    await request(client, 'leave-room', { roomToken: ROOM });
    const ack = await request(client, 'send-message', { roomToken: ROOM, message: 'still here?' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });
  });

  it('delivers one sender’s messages in the order sent, and history keeps that order', async () => {
    running = await startServer({ store });
    const sender = await joinedClient(running.url, ROOM, 'Sender');
    const reader = await joinedClient(running.url, ROOM, 'Reader');
    const received = collect(reader, 'new-message');
    const count = 200;
    // Fire without waiting: ordering must not depend on the client pacing itself.
    for (let i = 0; i < count; i++) emitWithoutAck(sender, 'send-message', { roomToken: ROOM, message: `n${i}` });
    await eventually(() => received.length === count, 10_000);
    const expected = Array.from({ length: count }, (_, i) => `n${i}`);
    expect(received.map((m) => asText(m).message)).toEqual(expected);
    // History comes in pages, newest first; read back to the oldest, each page keeps the order.
    const texts: string[] = [];
    let page = await getJson(`${running.url}/api/room/${ROOM}/messages?limit=${count}`);
    for (;;) {
      texts.unshift(...page.messages.map((m: { message: string }) => m.message));
      if (!page.hasMore) break;
      page = await getJson(`${running.url}/api/room/${ROOM}/messages?before=${page.before}`);
    }
    expect(texts).toEqual(expected);
  });

  it('serves history oldest first with count and timestamp, and stats for the room', async () => {
    running = await startServer({ store });
    const client = await joinedClient(running.url, ROOM, 'Ghost');
    await request(client, 'send-message', { roomToken: ROOM, message: 'first', ttl: 60 });
    await request(client, 'send-message', { roomToken: ROOM, message: 'second' });
    const history = await getJson(`${running.url}/api/room/${ROOM}/messages`);
    expect(history).toEqual({
      messages: [
        expect.objectContaining({ type: 'text', message: 'first', sender: 'Ghost', ttl: 60 }),
        expect.objectContaining({ type: 'text', message: 'second', sender: 'Ghost', ttl: 86400 }),
      ],
      count: 2,
      timestamp: expect.stringMatching(ISO_UTC),
      hasMore: false,
    });
    const stats = await getJson(`${running.url}/api/room/${ROOM}/stats`);
    expect(stats).toEqual({
      roomToken: ROOM,
      participantCount: 1,
      messageCount: 2,
      createdAt: expect.stringMatching(ISO_UTC),
    });
  });

  it('answers stats for an empty room with zeros', async () => {
    running = await startServer({ store });
    expect(await getJson(`${running.url}/api/room/K7P-QX-4M/stats`)).toEqual({
      roomToken: 'K7P-QX-4M',
      participantCount: 0,
      messageCount: 0,
      createdAt: null,
    });
  });
});
