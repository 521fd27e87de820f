import { describe, expect, it } from 'vitest';
import { eventually, openClient, request } from '../helpers/client.js';
import { getJson, http } from '../helpers/http.js';
import { privateRedis } from '../helpers/private-redis.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const lookup = (url: string) => http(`${url}/api/room/OUT-AGE-002/messages`);

// A private redis-server: this test stops it, which must never touch the shared one.
describe.runIf(storeKinds().includes('redis') && redisServerBinary() !== null)('client limits without Redis', () => {
  it('lets clients in and holds sockets to their limits; a lookup fails as the store does, not as a limit', async () => {
    const redis = await privateRedis();
    const env = { HTTP_LOOKUPS_PER_MINUTE: '2', SOCKET_EVENTS_PER_SECOND: '1', SOCKET_EVENTS_BURST: '2' };
    const running = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true, env });
    await redis.stop();
    await eventually(async () => (await getJson(`${running.url}/api/health`)).redis === 'disconnected', 10_000);

    // No salt from the store: the handshake is counted under this node's own, and let in.
    const socket = await openClient(running.url);
    // Socket limits live in the node's memory: they hold without the store.
    const acks = await Promise.all(
      Array.from({ length: 5 }, () => request(socket, 'leave-room', { roomToken: 'OUT-AGE-002' })),
    );
    expect(acks.map((a) => (a.ok ? 'ok' : a.error.code))).toEqual([
      'NOT_A_MEMBER',
      'NOT_A_MEMBER',
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);

    // Shared counts are out of reach: lookups are not refused for them, and fail for the store.
    const lookups = await Promise.all(Array.from({ length: 4 }, () => lookup(running.url)));
    expect(lookups.map((l) => l.status)).toEqual([503, 503, 503, 503]);
    expect(lookups[0]!.body.error.code).toBe('STORE_UNAVAILABLE');

    await redis.start();
    await eventually(async () => (await getJson(`${running.url}/api/health`)).redis === 'connected', 10_000);
    await eventually(async () => (await lookup(running.url)).status === 429, 10_000);
  });
});
