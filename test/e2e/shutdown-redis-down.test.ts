import { describe, expect, it } from 'vitest';
import { afterThisTest } from '../helpers/cleanup.js';
import { eventually, joinedClient, nextEvent } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { privateRedis } from '../helpers/private-redis.js';
import { spawnServer } from '../helpers/process.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { startServer } from '../helpers/server.js';

const ROOM = 'OFF-LIN-E01';

// node-redis's close() waits for a reconnect that never comes; its destroy() rejects what is
// queued, which nobody awaits. Either way a shutdown during an outage used to hang or crash.
describe.runIf(redisServerBinary() !== null)('shutting down while Redis is down', () => {
  it('exits 0 promptly on SIGTERM, with nothing unhandled, though Redis never comes back', async () => {
    const redis = await privateRedis();
    const proc = await spawnServer({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '10000' });
    afterThisTest(() => proc.kill());
    const client = await joinedClient(proc.url, ROOM, 'Stranded');
    await redis.stop();
    await eventually(async () => (await getJson(`${proc.url}/api/health`)).redis === 'disconnected', 10_000);
    const told = nextEvent(client, 'server-shutdown');
    const started = Date.now();
    proc.child.kill('SIGTERM');
    expect(await told).toEqual({ reason: 'shutdown', reconnect: true });
    expect(await proc.exited).toBe(0);
    // Well within the bound: nothing waited for Redis to come back.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(proc.output()).not.toMatch(/unhandled|ERR_UNHANDLED_REJECTION|shutdown-timeout/i);
  });

  it('lets close() of an embedded server resolve while Redis is down', async () => {
    const redis = await privateRedis();
    const running = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true });
    await joinedClient(running.url, ROOM, 'Stranded');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    afterThisTest(() => process.off('unhandledRejection', onUnhandled));
    await redis.stop();
    await eventually(async () => (await getJson(`${running.url}/api/health`)).redis === 'disconnected', 10_000);
    await running.close();
    // Rejections surface on the next turns of the event loop.
    await new Promise((r) => setTimeout(r, 200));
    expect(unhandled).toEqual([]);
  });
});
