import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { captureLog } from '../helpers/log-capture.js';
import { privateRedis } from '../helpers/private-redis.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

/** The background tasks that poll the store, by the `event` their failures are logged under. */
const POLLERS = ['expiry', 'image-expiry', 'presence-heartbeat'];

// A private redis-server: this test stops it, which must never touch the shared one.
describe.runIf(storeKinds().includes('redis') && redisServerBinary() !== null)('logs while Redis is down', () => {
  it('warns once per background task when the outage starts, not on every poll, and says when it is over', async () => {
    const redis = await privateRedis();
    const captured = captureLog('info');
    // Polls every 100 ms and a heartbeat every 200 ms: ~25 failures a second without back-off.
    const env = { EXPIRY_POLL_MS: '100', NODE_HEARTBEAT_MS: '200' };
    const running = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true, env, log: captured.log });

    await redis.stop();
    await eventually(async () => (await getJson(`${running.url}/api/health`)).redis === 'disconnected', 10_000);
    // An outage of a few seconds, as a Redis restart or failover takes: the log volume is the point.
    await new Promise((r) => setTimeout(r, 3000));
    const warnings = captured.at(40);
    for (const poller of POLLERS) {
      expect(warnings.filter((l) => l.event === `${poller}-failed`).length, poller).toBe(1);
    }
    expect(warnings.length).toBeLessThanOrEqual(POLLERS.length + 2);

    await redis.start();
    await eventually(() => POLLERS.every((p) => captured.lines.some((l) => l.event === `${p}-recovered`)), 15_000);
    for (const line of captured.lines.filter((l) => POLLERS.some((p) => l.event === `${p}-recovered`))) {
      expect(line).toMatchObject({ level: 30, failures: expect.any(Number) });
    }
  });
});
