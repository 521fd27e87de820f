import { afterEach, describe, expect, it } from 'vitest';
import { http } from '../helpers/http.js';
import { PrivateRedis } from '../helpers/redis-server.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

describe.each(storeKinds())('liveness and readiness on %s', (store) => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('is live and ready while the store answers, and keeps /api/health as it was', async () => {
    const server = (running = await startServer({ store }));
    expect(await http(`${server.url}/livez`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await http(`${server.url}/readyz`)).toMatchObject({ status: 200, body: { status: 'ready', store } });
    const health = await http(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', activeRooms: 0, totalParticipants: 0 });
  });

  it('stops being ready as soon as shutdown begins', async () => {
    const server = await startServer({ store });
    expect((await http(`${server.url}/readyz`)).status).toBe(200);
    const closing = server.close();
    const during = await http(`${server.url}/readyz`).catch(() => null);
    // Either the drain answered 503, or the listener had already gone: both keep traffic away.
    if (during) expect(during).toMatchObject({ status: 503 });
    await closing;
  });
});

describe.runIf(storeKinds().includes('redis'))('readiness follows Redis', () => {
  let running: RunningServer | undefined;
  let redis: PrivateRedis | undefined;
  afterEach(async () => {
    await running?.close();
    await redis?.stop();
  });

  it('is live but not ready while Redis is down, and ready again once it is back', async () => {
    redis = await PrivateRedis.start();
    running = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true });
    expect((await http(`${running.url}/readyz`)).status).toBe(200);
    await redis.stop();
    await expect
      .poll(async () => (await http(`${running!.url}/readyz`)).body, { timeout: 5000 })
      .toEqual({
        status: 'not-ready',
        store: 'redis',
        reason: 'store-unavailable',
      });
    expect((await http(`${running.url}/livez`)).status).toBe(200);
    await redis.start();
    await expect.poll(async () => (await http(`${running!.url}/readyz`)).status, { timeout: 10_000 }).toBe(200);
  });
});
