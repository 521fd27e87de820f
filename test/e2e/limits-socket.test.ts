import { describe, expect, it } from 'vitest';
import {
  asText,
  collect,
  disconnected,
  emitWithoutAck,
  joinedClient,
  nextEvent,
  ok,
  openClient,
  openPollingClient,
  refused,
  request,
  type Client,
} from '../helpers/client.js';
import { testClock } from '../helpers/domain.js';
import { dataUrl, makeImage } from '../helpers/images.js';
import { startServer } from '../helpers/server.js';

const send = (client: Client, roomToken: string, message: string) =>
  request(client, 'send-message', { roomToken, message });

/** Joins `rooms` on one socket, each under `name`. */
async function joinAll(client: Client, rooms: string[], name: string): Promise<void> {
  for (const roomToken of rooms)
    expect((await request(client, 'join-room', { roomToken, agentId: name })).ok).toBe(true);
}

describe('per socket limits', () => {
  it('refuses a flood with RATE_LIMITED and retryAfterMs, and leaves the others and its rooms alone', async () => {
    const clock = testClock(Date.now());
    const { url } = await startServer({
      clock: clock.now,
      env: { SOCKET_EVENTS_PER_SECOND: '2', SOCKET_EVENTS_BURST: '6' },
    });
    const flooder = await openClient(url);
    await joinAll(flooder, ['AAA-111-AAA', 'BBB-222-BBB'], 'Flooder');
    const calm = await joinedClient(url, 'AAA-111-AAA', 'Calm');
    const elsewhere = await joinedClient(url, 'CCC-333-CCC', 'Elsewhere');
    const inB = await joinedClient(url, 'BBB-222-BBB', 'InB');
    const errors = collect(flooder, 'error');

    const acks = await Promise.all(Array.from({ length: 12 }, (_, i) => send(flooder, 'AAA-111-AAA', `flood ${i}`)));
    const refusals = acks.flatMap((a) => (a.ok ? [] : [a.error]));
    // Two joins and four messages took the burst of six; the rest are refused, none dropped silently.
    expect(acks.filter((a) => a.ok)).toHaveLength(4);
    expect(refusals).toHaveLength(8);
    for (const error of refusals) {
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.retryAfterMs).toBeGreaterThan(0);
      expect(error.retryAfterMs).toBeLessThanOrEqual(500);
    }
    expect(errors.filter((e) => e.code === 'RATE_LIMITED' && e.event === 'send-message')).toHaveLength(8);

    // Everyone else chats on, and the flooder still hears its rooms.
    const heardInA = nextEvent(flooder, 'new-message');
    expect((await send(calm, 'AAA-111-AAA', 'calm here')).ok).toBe(true);
    expect(asText(await heardInA).message).toBe('calm here');
    const heardInB = nextEvent(flooder, 'new-message');
    expect((await send(inB, 'BBB-222-BBB', 'and here')).ok).toBe(true);
    expect(asText(await heardInB).message).toBe('and here');
    expect((await send(elsewhere, 'CCC-333-CCC', 'unbothered')).ok).toBe(true);

    // Once the wait it was told is over, it may send again, to any of its rooms.
    clock.advance(refusals[0]!.retryAfterMs!);
    expect((await send(flooder, 'BBB-222-BBB', 'back')).ok).toBe(true);
    expect(flooder.connected).toBe(true);
  });

  it('disconnects a socket that keeps flooding far past its limit, only that one, and bars its address a while', async () => {
    const clock = testClock(Date.now());
    const { url } = await startServer({
      clock: clock.now,
      env: { SOCKET_EVENTS_PER_SECOND: '1', SOCKET_EVENTS_BURST: '2', SOCKET_FLOOD_REFUSALS: '5' },
    });
    const flooder = await joinedClient(url, 'AAA-111-AAA', 'Flooder');
    const calm = await joinedClient(url, 'AAA-111-AAA', 'Calm');
    const errors = collect(flooder, 'error');
    const gone = disconnected(flooder);
    for (let i = 0; i < 30; i++) emitWithoutAck(flooder, 'send-message', { roomToken: 'AAA-111-AAA', message: `${i}` });
    expect(await gone).toBe('io server disconnect');
    expect(errors.at(-1)).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect(errors.filter((e) => e.code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(6);
    const left = nextEvent(calm, 'participant-left');
    expect(await left).toEqual({ agentId: 'Flooder', roomToken: 'AAA-111-AAA' });
    expect((await send(calm, 'AAA-111-AAA', 'still here')).ok).toBe(true);
    // Reconnecting at once would come with a fresh burst: its address waits a minute first.
    await expect(openClient(url)).rejects.toThrow();
    clock.advance(60_000);
    expect((await openClient(url)).connected).toBe(true);
  });

  it('tells a flooding long-polling client why before it disconnects it', async () => {
    const { url } = await startServer({
      env: { SOCKET_EVENTS_PER_SECOND: '1', SOCKET_EVENTS_BURST: '2', SOCKET_FLOOD_REFUSALS: '5' },
    });
    const flooder = await openPollingClient(url);
    await ok(request(flooder, 'join-room', { roomToken: 'AAA-111-AAA', agentId: 'Flooder' }));
    const errors = collect(flooder, 'error');
    const gone = disconnected(flooder);
    for (let i = 0; i < 30; i++) emitWithoutAck(flooder, 'send-message', { roomToken: 'AAA-111-AAA', message: `${i}` });
    expect(await gone).toBe('io server disconnect');
    expect(errors.at(-1)).toMatchObject({ code: 'RATE_LIMITED', message: 'Disconnected: too much sent, too fast' });
  });

  it('counts joins per minute', async () => {
    const clock = testClock(Date.now());
    const { url } = await startServer({ clock: clock.now, env: { SOCKET_JOINS_PER_MINUTE: '2' } });
    const client = await openClient(url);
    await joinAll(client, ['AAA-111-AAA', 'BBB-222-BBB'], 'Roamer');
    const third = await refused(request(client, 'join-room', { roomToken: 'CCC-333-CCC', agentId: 'Roamer' }));
    expect(third.code).toBe('RATE_LIMITED');
    expect(third.retryAfterMs).toBeGreaterThan(20_000);
    expect(third.retryAfterMs).toBeLessThanOrEqual(30_000);
    // Joins alone are limited: sending goes on.
    expect((await send(client, 'AAA-111-AAA', 'hello')).ok).toBe(true);
    clock.advance(third.retryAfterMs!);
    expect((await request(client, 'join-room', { roomToken: 'CCC-333-CCC', agentId: 'Roamer' })).ok).toBe(true);
  });

  it('bounds the rooms one socket holds at once', async () => {
    const { url } = await startServer({ env: { SOCKET_MAX_ROOMS: '2' } });
    const client = await openClient(url);
    await joinAll(client, ['AAA-111-AAA', 'BBB-222-BBB'], 'Roamer');
    const third = await request(client, 'join-room', { roomToken: 'CCC-333-CCC', agentId: 'Roamer' });
    expect(third).toMatchObject({ ok: false, error: { code: 'TOO_MANY_ROOMS' } });
    // A room it holds may be joined again; one left makes room for another.
    expect((await request(client, 'join-room', { roomToken: 'AAA-111-AAA', agentId: 'Roamer' })).ok).toBe(true);
    expect((await request(client, 'leave-room', { roomToken: 'AAA-111-AAA' })).ok).toBe(true);
    expect((await request(client, 'join-room', { roomToken: 'CCC-333-CCC', agentId: 'Roamer' })).ok).toBe(true);
  });

  it('counts images per minute', async () => {
    const clock = testClock(Date.now());
    const { url } = await startServer({ clock: clock.now, env: { SOCKET_IMAGES_PER_MINUTE: '1' } });
    const client = await joinedClient(url, 'AAA-111-AAA', 'Painter');
    const png = await makeImage('png');
    const image = { roomToken: 'AAA-111-AAA', imageData: { name: 'a.png', blob: png } };
    expect((await request(client, 'send-image', image)).ok).toBe(true);
    const second = await refused(request(client, 'send-image', image));
    expect(second.code).toBe('RATE_LIMITED');
    expect(second.retryAfterMs).toBeGreaterThan(50_000);
    // Text is not an image.
    expect((await send(client, 'AAA-111-AAA', 'words')).ok).toBe(true);
    clock.advance(second.retryAfterMs!);
    const asDataUrl = { roomToken: 'AAA-111-AAA', imageData: { name: 'a.png', data: dataUrl(png, 'image/png') } };
    expect((await request(client, 'send-image', asDataUrl)).ok).toBe(true);
  });

  it('counts the bytes a socket sends per minute, and disconnects one that sends twice that', async () => {
    const clock = testClock(Date.now());
    const env = { MAX_MESSAGE_LENGTH: '4000', MAX_SOCKET_PAYLOAD_BYTES: '20000', SOCKET_BYTES_PER_MINUTE: '20000' };
    const { url } = await startServer({ clock: clock.now, env });
    const client = await joinedClient(url, 'AAA-111-AAA', 'Talker');
    const calm = await joinedClient(url, 'AAA-111-AAA', 'Calm');
    const big = 'x'.repeat(4000);
    const acks = [];
    for (let i = 0; i < 6; i++) acks.push(await send(client, 'AAA-111-AAA', big));
    // About 4 KB a frame: four fit in 20 KB (the join took a little), the next are refused.
    expect(acks.slice(0, 4).every((a) => a.ok)).toBe(true);
    const sixth = await refused(Promise.resolve(acks[5]!));
    expect(sixth.code).toBe('RATE_LIMITED');
    expect(sixth.retryAfterMs).toBeGreaterThan(0);
    expect(sixth.retryAfterMs).toBeLessThanOrEqual(60_000);
    clock.advance(60_000);
    expect((await send(client, 'AAA-111-AAA', 'short again')).ok).toBe(true);

    const gone = disconnected(client);
    for (let i = 0; i < 12; i++) emitWithoutAck(client, 'send-message', { roomToken: 'AAA-111-AAA', message: big });
    expect(await gone).toBe('io server disconnect');
    expect((await send(calm, 'AAA-111-AAA', 'fine')).ok).toBe(true);
  });
});
