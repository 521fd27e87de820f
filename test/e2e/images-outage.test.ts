import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { fetchImage, filesIn, makeImage, removeDir, tempUploadDir, upload } from '../helpers/images.js';
import { PrivateRedis, redisServerBinary } from '../helpers/redis-server.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

// A private redis-server: this test kills it, which must never touch the shared one.
describe.runIf(storeKinds().includes('redis') && redisServerBinary() !== null)('images while Redis is away', () => {
  let redis: PrivateRedis | undefined;
  let running: RunningServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await running?.close().catch(() => undefined);
    await redis?.stop();
    await removeDir(dir);
  });

  it('refuses uploads without leaving a file, never sweeps on an unanswered lookup, and recovers', async () => {
    redis = await PrivateRedis.start();
    dir = await tempUploadDir();
    running = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true, env: { UPLOAD_DIR: dir } });
    const { body } = await upload(running.url, await makeImage('png'));
    const orphan = `msg_1700000000000_0123456789abcdef_1700000000001_${'c'.repeat(32)}.png`;
    await writeFile(path.join(dir, orphan), 'left behind by a crash');

    await redis.stop();
    await eventually(async () => (await getJson(`${running!.url}/api/health`)).redis === 'disconnected', 10_000);
    const refused = await upload(running.url, await makeImage('jpeg'), { type: 'image/jpeg' });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('STORE_UNAVAILABLE');
    expect((await fetchImage(running.url, body.imageUrl)).status).toBe(503);
    // "No answer" must not read as "no key": the sweep stops and deletes nothing.
    await expect(running.server.images.sweepOrphans(0)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(await filesIn(dir)).toEqual([body.filename, orphan].sort());

    // Redis comes back empty (no persistence): every key is gone, so every file is unreadable noise.
    await redis.start();
    await eventually(async () => (await getJson(`${running!.url}/api/health`)).redis === 'connected', 10_000);
    expect((await fetchImage(running.url, body.imageUrl)).status).toBe(404);
    expect(await running.server.images.sweepOrphans(0)).toBe(2);
    expect(await filesIn(dir)).toEqual([]);
    expect((await upload(running.url, await makeImage('png'))).status).toBe(200);
  });
});
