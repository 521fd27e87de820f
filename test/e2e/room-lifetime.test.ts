import { describe, expect, it } from 'vitest';
import { eventually, joinedClient, nextEvent, openClient, request } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { makeImage } from '../helpers/images.js';
import { startServer } from '../helpers/server.js';
import { keyTtls, storeKinds } from '../helpers/stores.js';

const ROOM = 'LIF-ETI-ME1';
const stats = async (url: string) => getJson(`${url}/api/room/${ROOM}/stats`);

describe.each(storeKinds())('room lifetime on %s', (store) => {
  it('answers createdAt null once a room has no member and no message', async () => {
    const running = await startServer({ store, env: { EXPIRY_POLL_MS: '20' } });
    const ghost = await joinedClient(running.url, ROOM, 'Ghost');
    expect((await stats(running.url)).createdAt).toEqual(expect.any(String));
    await request(ghost, 'send-message', { roomToken: ROOM, message: 'brief', ttl: 1 });
    await request(ghost, 'leave-room', { roomToken: ROOM });
    // Its message still lives: the room is still there.
    expect(await stats(running.url)).toMatchObject({ participantCount: 0, messageCount: 1 });
    expect((await stats(running.url)).createdAt).toEqual(expect.any(String));
    await eventually(async () => (await stats(running.url)).messageCount === 0, 5000);
    expect(await stats(running.url)).toEqual({
      roomToken: ROOM,
      participantCount: 0,
      messageCount: 0,
      createdAt: null,
    });
  });

  it('answers createdAt null at once for a room whose members all left without writing', async () => {
    const running = await startServer({ store });
    const ghost = await joinedClient(running.url, ROOM, 'Ghost');
    await request(ghost, 'leave-room', { roomToken: ROOM });
    expect(await stats(running.url)).toEqual({
      roomToken: ROOM,
      participantCount: 0,
      messageCount: 0,
      createdAt: null,
    });
  });
});

/** Keys that belong to no session: the node's own, and the day's salt addresses are hashed under. */
const leftover = (key: string) => key.startsWith('node:') || key.startsWith('address-salt:');

describe.runIf(storeKinds().includes('redis'))('Redis keys of a session', () => {
  it('each carry a TTL bounded by what they hold, and none is left of the room once it is gone', async () => {
    const env = {
      NODE_HEARTBEAT_MS: '1000',
      EXPIRY_POLL_MS: '20',
      MAX_TTL: '600',
      DEFAULT_TTL: '600',
      BURN_AFTER_READ_SECONDS: '1',
    };
    const running = await startServer({ store: 'redis', env });
    const prefix = running.prefix!;
    const url = running.config.redis!.url;
    const alice = await joinedClient(running.url, ROOM, 'alice');
    const bob = await joinedClient(running.url, ROOM, 'bob');
    await request(alice, 'send-message', { roomToken: ROOM, message: 'hello', ttl: 2 });
    await request(bob, 'send-message', { roomToken: ROOM, message: 'burn me', ttl: 0 });
    expect(
      (await request(alice, 'send-image', { roomToken: ROOM, imageData: { blob: await makeImage('png') }, ttl: 2 })).ok,
    ).toBe(true);
    await getJson(`${running.url}/api/room/${ROOM}/messages`);

    const presenceTtl = 12 * 1000;
    // A room's keys are extended one grace (60 s) ahead of what its newest message needs.
    const roomKeysTtl = 600_000 + 2 * 60_000;
    const scheduleTtl = 600_000 + 86_400_000;
    const ttls = await keyTtls(url, prefix);
    const unbounded = [...ttls].filter(([key, ttl]) => {
      if (ttl <= 0) return true;
      if (key.startsWith('presence:') || key.startsWith('node:') || key === 'nodes') return ttl > presenceTtl;
      if (key.startsWith('message:') || key.startsWith('image')) return ttl > scheduleTtl;
      if (key.startsWith('room:')) return ttl > roomKeysTtl;
      // Client limits: byte totals until their last deadline, rate buckets a minute, the address salt two days.
      if (key.startsWith('usage:')) return ttl > scheduleTtl;
      if (key.startsWith('rate:')) return ttl > 60_000;
      if (key.startsWith('address-salt:')) return ttl > 2 * 86_400_000;
      return key !== 'expiry' || ttl > scheduleTtl;
    });
    expect(unbounded).toEqual([]);

    const left = nextEvent(bob, 'participant-left');
    alice.disconnect();
    await left;
    bob.disconnect();
    // The burn-after-reading message started burning when it was read; everything else had 2 s.
    await eventually(async () => (await stats(running.url)).messageCount === 0, 10_000);
    await eventually(async () => {
      const rest = [...(await keyTtls(url, prefix)).keys()];
      return rest.every((key) => ['nodes', 'expiry', 'image-expiry'].includes(key) || leftover(key));
    }, 5000);
    expect([...(await keyTtls(url, prefix)).keys()].filter((key) => key.includes(ROOM))).toEqual([]);
  });

  it("keeps a connected member's presence and name while its node lives, long past the presence TTL", async () => {
    // Presence keys live 12 heartbeats: 1.2 s here.
    const running = await startServer({ store: 'redis', env: { NODE_HEARTBEAT_MS: '100' } });
    await joinedClient(running.url, ROOM, 'alice');
    const until = Date.now() + 3_000;
    await eventually(async () => {
      expect((await stats(running.url)).participantCount).toBe(1);
      return Date.now() > until;
    }, 10_000);
    const impostor = await openClient(running.url);
    expect(await request(impostor, 'join-room', { roomToken: ROOM, agentId: 'alice' })).toMatchObject({
      ok: false,
      error: { code: 'AGENT_TAKEN' },
    });
  });
});
