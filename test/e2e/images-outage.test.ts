import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { afterThisTest } from '../helpers/cleanup.js';
import { eventually } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { fetchImage, filesIn, makeImage, removeDir, tempUploadDir, upload } from '../helpers/images.js';
import { privateRedis } from '../helpers/private-redis.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

// A private redis-server: this test kills it, which must never touch the shared one.
describe.runIf(storeKinds().includes('redis') && redisServerBinary() !== null)('images while Redis is away', () => {
  it('refuses uploads without leaving a file, never sweeps on an unanswered lookup, and recovers', async () => {
    const redis = await privateRedis();
    const dir = await tempUploadDir();
    afterThisTest(() => removeDir(dir));
    const running = await startServer({
      store: 'redis',
      redisUrl: redis.url,
      keepData: true,
      env: { UPLOAD_DIR: dir },
    });
    const { body } = await upload(running.url, await makeImage('png'));
    const orphan = `msg_1700000000000_0123456789abcdef_1700000000001_${'c'.repeat(32)}.png`;
    await writeFile(path.join(dir, orphan), 'left behind by a crash');

    await redis.stop();
    await eventually(async () => (await getJson(`${running.url}/api/health`)).redis === 'disconnected', 10_000);
    const refused = await upload(running.url, await makeImage('jpeg'), { type: 'image/jpeg' });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('STORE_UNAVAILABLE');
    expect((await fetchImage(running.url, body.imageUrl)).status).toBe(503);
    // "No answer" must not read as "no key": the sweep stops and deletes nothing.
    await expect(running.server.images.sweepOrphans(0)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(await filesIn(dir)).toEqual([body.filename, orphan].sort());

    // Redis comes back empty (no persistence): every key is gone, so every file is unreadable noise.
    await redis.start();
    await eventually(async () => (await getJson(`${running.url}/api/health`)).redis === 'connected', 10_000);
    expect((await fetchImage(running.url, body.imageUrl)).status).toBe(404);
    expect(await running.server.images.sweepOrphans(0)).toBe(2);
    expect(await filesIn(dir)).toEqual([]);
    expect((await upload(running.url, await makeImage('png'))).status).toBe(200);
  });
});
