import { describe, expect, it } from 'vitest';
import { asText, collect, eventually, joinedClient, nextEvent, openClient, request } from '../helpers/client.js';
import { getJson, http } from '../helpers/http.js';
import { privateRedis } from '../helpers/private-redis.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const ROOM = 'OUT-AGE-001';

// A private redis-server per test: these tests kill it, which must never touch the shared one.
describe.runIf(storeKinds().includes('redis') && redisServerBinary() !== null)(
  'Redis going away and coming back',
  () => {
    it('answers STORE_UNAVAILABLE instead of hanging when Redis stops answering, and recovers', async () => {
      const redis = await privateRedis();
      const running = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true });
      const sender = await joinedClient(running.url, ROOM, 'Sender');
      redis.pause();
      try {
        const refused = await request(sender, 'send-message', { roomToken: ROOM, message: 'into the void' }, 15_000);
        expect(refused).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
      } finally {
        redis.resume();
      }
      await eventually(
        async () => (await request(sender, 'send-message', { roomToken: ROOM, message: 'back' })).ok,
        10_000,
      );
    });

    it('starts and serves with Redis down at boot, then uses it once it appears', async () => {
      const redis = await privateRedis();
      await redis.stop();
      const running = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true });
      const health = await http(`${running.url}/api/health`);
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'degraded', redis: 'disconnected' });
      expect((await http(`${running.url}/api/redis/test`)).status).toBe(503);
      const client = await openClient(running.url);
      const refused = await request(client, 'join-room', { roomToken: ROOM, agentId: 'Early' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });

      await redis.start();
      await eventually(async () => (await getJson(`${running.url}/api/health`)).redis === 'connected', 10_000);
      expect((await getJson(`${running.url}/api/redis/test`)).success).toBe(true);
      expect((await request(client, 'join-room', { roomToken: ROOM, agentId: 'Early' })).ok).toBe(true);
      expect((await request(client, 'send-message', { roomToken: ROOM, message: 'now stored' })).ok).toBe(true);
    });

    it('refuses messages while Redis is gone, broadcasting nothing, and recovers with presence restored', async () => {
      const redis = await privateRedis();
      const running = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true });
      const sender = await joinedClient(running.url, ROOM, 'Sender');
      const reader = await joinedClient(running.url, ROOM, 'Reader');
      const received = collect(reader, 'new-message');
      const leaver = await joinedClient(running.url, ROOM, 'Leaver');

      await redis.stop();
      await eventually(async () => (await getJson(`${running.url}/api/health`)).redis === 'disconnected', 10_000);
      const errorEvent = nextEvent(sender, 'error');
      const refused = await request(sender, 'send-message', { roomToken: ROOM, message: 'lost?' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
      expect((await errorEvent).code).toBe('STORE_UNAVAILABLE');
      expect((await http(`${running.url}/api/room/${ROOM}/messages`)).status).toBe(503);
      leaver.disconnect();

      // Redis comes back empty (it keeps nothing on disk): this node writes its presence back.
      await redis.start();
      await eventually(
        async () => (await getJson(`${running.url}/api/room/${ROOM}/stats`).catch(() => ({}))).participantCount === 2,
        10_000,
      );
      const ack = await request(sender, 'send-message', { roomToken: ROOM, message: 'kept' });
      expect(ack.ok).toBe(true);
      await eventually(() => received.length === 1);
      expect(received.map((m) => asText(m).message)).toEqual(['kept']);
      const again = await openClient(running.url);
      const taken = await request(again, 'join-room', { roomToken: ROOM, agentId: 'Reader' });
      expect(taken).toMatchObject({ ok: false, error: { code: 'AGENT_TAKEN' } });
      // The one who left during the outage is not written back: the name is free.
      expect((await request(again, 'join-room', { roomToken: ROOM, agentId: 'Leaver' })).ok).toBe(true);
      expect((await getJson(`${running.url}/api/room/${ROOM}/stats`)).participantCount).toBe(3);
    });
  },
);
