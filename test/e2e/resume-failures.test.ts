import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/store/redis/keys.js';
import { afterThisTest } from '../helpers/cleanup.js';
import { getJson } from '../helpers/http.js';
import { eventually, joinedClient, nextEvent, ok, request } from '../helpers/client.js';
import { privateRedis } from '../helpers/private-redis.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { nextResume, rawClient, resumingClient } from '../helpers/resuming-client.js';
import { startServer } from '../helpers/server.js';
import { redisUrl, storeKinds } from '../helpers/stores.js';
import { SwitchProxy } from '../helpers/switch-proxy.js';

const ROOM = 'RES-FAL-001';
const OTHER = 'RES-FAL-002';

async function redisAdmin(url: string) {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  afterThisTest(() => client.close());
  return client;
}

const STORE_UNAVAILABLE = { code: 'STORE_UNAVAILABLE', message: expect.any(String) };

describe.runIf(storeKinds().includes('redis'))('a resume that the store fails in a room', () => {
  // Each breaks one key of the room (a value of the wrong type), so exactly that step fails.
  it.each([
    ['keep the room open', (k: ReturnType<typeof redisKeys>) => k.roomCreated(ROOM), 'hash'],
    ['take its unread messages', (k: ReturnType<typeof redisKeys>) => k.roomUnread(ROOM), 'string'],
  ] as const)(
    'that cannot %s: not rejoined, its ghost leaves (the others are told), its name is free',
    async (_step, keyOf, wrongType) => {
      const server = await startServer({ store: 'redis' });
      const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
      const phone = await resumingClient(proxy.url);
      await phone.join(ROOM, 'Phone');
      const desk = await joinedClient(server.url, ROOM, 'Desk');
      proxy.cut({ hold: true });
      const admin = await redisAdmin(redisUrl());
      const key = keyOf(redisKeys(server.prefix!));
      await admin.del(key);
      if (wrongType === 'hash') await admin.hSet(key, 'broken', '1');
      else await admin.set(key, 'broken');

      const left = nextEvent(desk, 'participant-left');
      const resumed = nextResume(phone);
      proxy.release();
      expect(await resumed).toEqual({
        ok: true,
        rooms: [{ roomToken: ROOM, rejoined: false, recovered: false, error: STORE_UNAVAILABLE }],
      });
      expect(await left).toEqual({ agentId: 'Phone', roomToken: ROOM });
      expect(await server.server.stores.presence.count(ROOM)).toBe(1);
      await admin.del(key);
      await phone.join(ROOM, 'Phone');
    },
  );
});

describe.runIf(storeKinds().includes('redis'))('a join that the store fails part way', () => {
  it('that cannot keep the room open is refused and holds no name', async () => {
    const server = await startServer({ store: 'redis' });
    const admin = await redisAdmin(redisUrl());
    const key = redisKeys(server.prefix!).roomCreated(ROOM);
    await admin.hSet(key, 'broken', '1');
    const first = await resumingClient(server.url);
    await expect(first.join(ROOM, 'Phone')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(await server.server.stores.presence.count(ROOM)).toBe(0);
    await admin.del(key);
    await joinedClient(server.url, ROOM, 'Phone');
  });
});

describe.runIf(redisServerBinary() !== null)('a resume whose new credential cannot be kept', () => {
  it(
    'is still a resume (ok, back in its rooms, the earlier connection gone), with no credential',
    { timeout: 30_000 },
    async () => {
      const redis = await privateRedis();
      const server = await startServer({ store: 'redis', redisUrl: redis.url });
      const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
      const first = await rawClient(proxy.url, { features: ['resume'] });
      const { credential } = await first.session;
      await ok(request(first.socket, 'join-room', { roomToken: ROOM, agentId: 'Kept' }));
      await ok(request(first.socket, 'join-room', { roomToken: OTHER, agentId: 'Dropped' }));
      const watcher = await joinedClient(server.url, OTHER, 'Watcher');
      proxy.cut({ hold: true });
      const sockets = () => server.server.io.of('/').sockets.size;
      expect(sockets()).toBe(2);

      // Redis refuses SET on resume records from now (the taking of one, GETDEL, still works).
      const admin = await redisAdmin(redis.url);
      const prefix = server.prefix!;
      await admin.sendCommand(['ACL', 'SETUSER', 'default', '-set', `(+set ~${prefix}[^r]* ~${prefix}r[^e]*)`]);
      afterThisTest(() => admin.sendCommand(['ACL', 'SETUSER', 'default', 'clearselectors', '+set']));

      const gone = nextEvent(watcher, 'participant-left');
      const auth = { features: ['resume'], resume: { credential, rooms: [{ roomToken: ROOM, held: [] }] } };
      const second = await rawClient(server.url, auth);
      expect(await second.session).toEqual({
        credential: null,
        windowSeconds: expect.any(Number),
        resumed: { ok: true, rooms: [{ roomToken: ROOM, rejoined: true, recovered: true }] },
      });
      expect(await gone).toEqual({ agentId: 'Dropped', roomToken: OTHER });
      // The earlier connection was let go: the watcher and the new one are left.
      await eventually(() => sockets() === 2);
      await ok(request(second.socket, 'send-message', { roomToken: ROOM, message: 'still here' }));
    },
  );
});

describe.runIf(redisServerBinary() !== null)('a connection that drops during its own resume', () => {
  it('keeps its session: the credential it used resumes it next time', { timeout: 30_000 }, async () => {
    const redis = await privateRedis();
    const server = await startServer({ store: 'redis', redisUrl: redis.url });
    const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
    const phone = await resumingClient(proxy.url);
    await phone.join(ROOM, 'Phone');
    const desk = await joinedClient(server.url, ROOM, 'Desk');
    proxy.cut({ hold: true });

    // Its resume waits on a frozen Redis; meanwhile its new connection drops too.
    redis.pause();
    const connected = new Promise<void>((resolve) => phone.socket.once('connect', () => resolve()));
    proxy.release();
    try {
      await connected;
      proxy.hold();
      const dropped = new Promise<void>((resolve) => phone.socket.once('disconnect', () => resolve()));
      phone.socket.io.engine.close();
      await dropped;
    } finally {
      redis.resume();
    }
    const resumes = async () => (await getJson(`${server.url}/api/health`)).resumes as Record<string, number>;
    await eventually(async () => (await resumes()).recovered === 1, 15_000);

    const resumed = nextResume(phone);
    proxy.release();
    expect(await resumed).toEqual({ ok: true, rooms: [{ roomToken: ROOM, rejoined: true, recovered: true }] });
    const fromPhone = nextEvent(desk, 'new-message');
    await phone.send(ROOM, 'back');
    expect(await fromPhone).toMatchObject({ sender: 'Phone' });
  });
});
