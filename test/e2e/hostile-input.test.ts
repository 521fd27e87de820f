import { io as connect, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import {
  asText,
  collect,
  emitWithoutAck,
  eventually,
  joinedClient,
  nextEvent,
  ok,
  openClient,
  request,
  requestUntyped,
  type Client,
} from '../helpers/client.js';
import { afterThisTest } from '../helpers/cleanup.js';
import { getJson } from '../helpers/http.js';
import { closed, rawSocket } from '../helpers/raw-socket.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const ROOM = 'HOS-TIL-E01';
const LIMITS = { MAX_MESSAGE_LENGTH: '100', MAX_TTL: '600', DEFAULT_TTL: '300' };

describe.each(storeKinds())('hostile and malformed input on %s', (store) => {
  let running: RunningServer;

  async function expectInvalid(client: Client, event: string, payload: unknown) {
    const errorEvent = nextEvent(client, 'error');
    const ack = await requestUntyped(client, event, payload);
    expect(ack, JSON.stringify(payload)).toMatchObject({
      ok: false,
      error: { code: 'PAYLOAD_INVALID', message: expect.any(String) },
    });
    expect(await errorEvent).toMatchObject({ code: 'PAYLOAD_INVALID', event });
  }

  it('answers every malformed payload shape with PAYLOAD_INVALID, for every event', async () => {
    running = await startServer({ store, env: LIMITS });
    const client = await openClient(running.url);
    const shapes = [
      undefined,
      null,
      'ABC-123-XYZ',
      42,
      true,
      [],
      {},
      { roomToken: {} },
      { roomToken: ['ABC-123-XYZ'] },
    ];
    for (const event of ['join-room', 'leave-room', 'send-message', 'reveal-message']) {
      for (const payload of shapes) await expectInvalid(client, event, payload);
    }
  });

  it('refuses malformed reveal-message ids', async () => {
    running = await startServer({ store, env: LIMITS });
    const client = await joinedClient(running.url, ROOM, 'Ghost');
    for (const messageId of ['', 'x'.repeat(65), 42, null, {}, ['msg_1']]) {
      await expectInvalid(client, 'reveal-message', { roomToken: ROOM, messageId });
    }
  });

  it('takes a malformed handshake `auth` for a client that announced no features', async () => {
    running = await startServer({ store, env: LIMITS });
    const sender = await joinedClient(running.url, ROOM, 'Ghost');
    const malformed = [
      { features: 'reveal' },
      { features: [{ reveal: true }, 42, null] },
      { features: ['REVEAL', 'reveal '] },
      { features: [...Array(10_000).fill('x'), 'reveal'] },
      JSON.parse('{"__proto__": {"features": ["reveal"]}}'),
    ];
    for (const [i, auth] of malformed.entries()) {
      const socket = connect(running.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth });
      afterThisTest(() => void socket.disconnect());
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      const client = socket as Client;
      await ok(request(client, 'join-room', { roomToken: ROOM, agentId: `Odd ${i}` }));
      const arrived = nextEvent(client, 'new-message');
      await ok(request(sender, 'send-message', { roomToken: ROOM, message: `whole ${i}`, ttl: 0 }));
      expect(asText(await arrived).message).toBe(`whole ${i}`);
    }
  });

  it('refuses bad agent names', async () => {
    running = await startServer({ store, env: LIMITS });
    const client = await openClient(running.url);
    for (const agentId of ['', '   ', 'x'.repeat(65), 'bad\nname', 'nul\u0000byte', 123, null, { name: 'x' }]) {
      await expectInvalid(client, 'join-room', { roomToken: ROOM, agentId });
    }
    expect((await request(client, 'join-room', { roomToken: ROOM, agentId: 'Ghost 👻 #1' })).ok).toBe(true);
  });

  it('bounds message length and refuses non-text messages', async () => {
    running = await startServer({ store, env: LIMITS });
    const client = await joinedClient(running.url, ROOM, 'Ghost');
    for (const message of ['', 'x'.repeat(101), 42, null, ['hi'], { text: 'hi' }]) {
      await expectInvalid(client, 'send-message', { roomToken: ROOM, message });
    }
    expect((await request(client, 'send-message', { roomToken: ROOM, message: 'x'.repeat(100) })).ok).toBe(true);
  });

  it('accepts TTLs of 0..MAX_TTL whole seconds, defaults a missing one and refuses the rest', async () => {
    running = await startServer({ store, env: LIMITS });
    const client = await joinedClient(running.url, ROOM, 'Ghost');
    for (const ttl of [-1, 1.5, '60', 601, true, {}, Number.MAX_SAFE_INTEGER]) {
      await expectInvalid(client, 'send-message', { roomToken: ROOM, message: 'hi', ttl });
    }
    const received = collect(client, 'new-message');
    for (const ttl of [0, 1, 600, undefined, null])
      await request(client, 'send-message', { roomToken: ROOM, message: 'ok', ttl });
    await eventually(() => received.length === 5);
    expect(received.map((m) => m.ttl)).toEqual([0, 1, 600, 300, 300]);
  });

  it('ignores prototype-polluting keys and unknown fields', async () => {
    running = await startServer({ store, env: LIMITS });
    const client = await joinedClient(running.url, ROOM, 'Ghost');
    const received = nextEvent(client, 'new-message');
    const payload = JSON.parse(
      `{"roomToken":"${ROOM}","message":"hi","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"isAdmin":true}`,
    );
    expect((await request(client, 'send-message', payload)).ok).toBe(true);
    const message = await received;
    expect(Object.keys(message).sort()).toEqual(['id', 'message', 'roomToken', 'sender', 'timestamp', 'ttl', 'type']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('works without an acknowledgement and survives extra or odd arguments', async () => {
    running = await startServer({ store, env: LIMITS });
    const client = await joinedClient(running.url, ROOM, 'Ghost');
    const received = collect(client, 'new-message');
    const errors = collect(client, 'error');
    // As a client that does not follow the contract would send them.
    const raw = client as unknown as Socket;
    raw.emit('send-message', { roomToken: ROOM, message: 'no ack' });
    raw.emit('send-message', { roomToken: ROOM, message: 'extra args' }, 'junk', 42);
    raw.emit('send-message');
    raw.emit('no-such-event', { anything: true });
    await eventually(() => received.length === 2 && errors.length === 1);
    expect(received.map((m) => asText(m).message)).toEqual(['no ack', 'extra args']);
    expect(errors[0]).toMatchObject({ code: 'PAYLOAD_INVALID' });
  });

  it('drops a client that sends broken frames, without affecting anyone else', async () => {
    running = await startServer({ store, env: LIMITS });
    const bystander = await joinedClient(running.url, ROOM, 'Bystander');
    const received = collect(bystander, 'new-message');
    for (const frame of ['42not json', '42["send-message"', '4{}', '49', Buffer.from([0xff, 0x00, 0x13])]) {
      const raw = await rawSocket(running.url);
      raw.send(frame);
      await closed(raw);
    }
    await request(bystander, 'send-message', { roomToken: ROOM, message: 'still fine' });
    await eventually(() => received.length === 1);
    expect(bystander.connected).toBe(true);
  });

  it('drops a client whose packet exceeds the socket buffer limit, without affecting anyone else', async () => {
    running = await startServer({ store, env: { ...LIMITS, MAX_SOCKET_PAYLOAD_BYTES: '65536' } });
    const bystander = await joinedClient(running.url, ROOM, 'Bystander');
    const received = collect(bystander, 'new-message');
    const raw = await rawSocket(running.url);
    raw.send(`42["send-message",{"roomToken":"${ROOM}","message":"${'x'.repeat(70_000)}"}]`);
    await closed(raw);
    await request(bystander, 'send-message', { roomToken: ROOM, message: 'still fine' });
    await eventually(() => received.length === 1);
    expect(asText(received[0]!).message).toBe('still fine');
  });

  it('bounds a flood from one client and keeps serving the others', async () => {
    running = await startServer({ store, env: LIMITS });
    const flooder = await joinedClient(running.url, ROOM, 'Flooder');
    const errors = collect(flooder, 'error');
    const bystander = await joinedClient(running.url, 'CAL-M00-001', 'Calm');
    for (let i = 0; i < 3000; i++) emitWithoutAck(flooder, 'send-message', { roomToken: ROOM, message: `flood ${i}` });
    const ack = await request(bystander, 'send-message', { roomToken: 'CAL-M00-001', message: 'hello' }, 10_000);
    expect(ack.ok).toBe(true);
    await eventually(() => errors.length > 0, 10_000);
    expect(errors.every((e) => e.code === 'TOO_MANY_PENDING')).toBe(true);
    await eventually(
      async () => (await getJson(`${running.url}/api/room/${ROOM}/stats`)).messageCount === 3000 - errors.length,
      15_000,
    );
  });
});
