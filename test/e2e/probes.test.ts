import { describe, expect, it } from 'vitest';
import { http, inject } from '../helpers/http.js';
import { privateRedis } from '../helpers/private-redis.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

describe.each(storeKinds())('liveness and readiness on %s', (store) => {
  it('is live and ready while the store answers, and keeps /api/health as it was', async () => {
    const { app } = (await startServer({ store })).server;
    expect(await inject(app, '/livez')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await inject(app, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', store } });
    const health = await inject(app, '/api/health');
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
  it('is live but not ready while Redis is down, and ready again once it is back', async () => {
    const redis = await privateRedis();
    const running = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true });
    expect((await inject(running.server.app, '/readyz')).status).toBe(200);
    await redis.stop();
    await expect
      .poll(async () => (await inject(running.server.app, '/readyz')).body, { timeout: 5000 })
      .toEqual({
        status: 'not-ready',
        store: 'redis',
        reason: 'store-unavailable',
      });
    expect((await inject(running.server.app, '/livez')).status).toBe(200);
    await redis.start();
    await expect.poll(async () => (await inject(running.server.app, '/readyz')).status, { timeout: 10_000 }).toBe(200);
  });
});
