import pino from 'pino';
import { Readable } from 'node:stream';
import { createClient, RESP_TYPES } from 'redis';
import { describe, expect, it } from 'vitest';
import { sealedSize } from '../../src/media/image-cipher.js';
import { RedisMediaStore } from '../../src/media/redis-media-store.js';
import { redisKeys } from '../../src/store/redis/keys.js';
import { closeRedis, openRedis } from '../../src/store/redis/redis-connection.js';
import { afterThisTest } from '../helpers/cleanup.js';
import { captureServerLog } from '../helpers/log-capture.js';
import { privateRedis } from '../helpers/private-redis.js';
import { eventually, joinedClient, nextEvent, ok, refused, request } from '../helpers/client.js';
import { fetchImage, filesIn, noisePng, upload } from '../helpers/images.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { keysUnder, storeKinds } from '../helpers/stores.js';

const ROOM = 'RED-MED-IA1';

/** Two servers on one Redis prefix, each with an upload directory of its own: two nodes. */
async function twoNodes(env: Record<string, string>): Promise<[RunningServer, RunningServer]> {
  const first = await startServer({ store: 'redis', env: { MEDIA_STORE: 'redis', ...env } });
  const second = await startServer({ store: 'redis', prefix: first.prefix!, env: { MEDIA_STORE: 'redis', ...env } });
  return [first, second];
}

describe.runIf(storeKinds().includes('redis'))('the Redis media store in a running server', () => {
  it('holds only sealed bytes in Redis, in pieces that expire with the image', async () => {
    const [a] = await twoNodes({});
    const { body } = await upload(a.url, await noisePng(600_000), { ttl: 600 });
    const served = (await fetchImage(a.url, body.imageUrl)).bytes;
    const client = createClient({ url: a.config.redis!.url }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    await client.connect();
    afterThisTest(() => client.close());
    const key = `${a.prefix!}media:${body.filename}`;
    const pieces = await client.lRange(key, 0, -1);
    expect(pieces.length).toBe(Math.ceil(sealedSize(served.length) / (256 * 1024)));
    const stored = Buffer.concat(pieces);
    expect(stored.length).toBe(sealedSize(served.length));
    // Not one run of 32 bytes of the picture as served is found in what Redis holds.
    for (let at = 0; at + 32 <= served.length; at += 997)
      expect(stored.includes(served.subarray(at, at + 32))).toBe(false);
    const ttl = await client.pTTL(key);
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    // Crypto-shredding: the bytes and their key die at the same moment.
    const keyTtl = await client.pTTL(`${a.prefix!}image:${body.imageId}:key`);
    expect(Math.abs(keyTtl - ttl)).toBeLessThan(1_000);
  });

  it('moves the deadline of every piece of an image when its message starts to burn', async () => {
    const [a] = await twoNodes({ BURN_AFTER_READ_SECONDS: '30' });
    const sender = await joinedClient(a.url, ROOM, 'Sender');
    const burning = nextEvent(sender, 'message-burning');
    // A reader without the reveal feature: the message is read, and starts to burn, as it arrives.
    await joinedClient(a.url, ROOM, 'Reader');
    const sent = await ok(
      request(sender, 'send-image', { roomToken: ROOM, imageData: { blob: await noisePng(600_000) }, ttl: 0 }),
    );
    await burning;
    const keys = await keysUnder(a.config.redis!.url, a.prefix!);
    const pieces = keys.filter((key) => key.includes(':media:'));
    expect(pieces).toHaveLength(1);
    const client = createClient({ url: a.config.redis!.url });
    await client.connect();
    afterThisTest(() => client.close());
    const ttl = await client.pTTL(pieces[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(Math.abs((await client.pTTL(`${a.prefix!}image:${sent.imageId}:key`)) - ttl)).toBeLessThan(1_000);
  });

  it("warns when Redis's memory settings would hurt images: an evicting policy, a maxmemory below the budget", async () => {
    const capture = captureServerLog('info');
    const env = { MEDIA_STORE: 'redis', MAX_UPLOAD_BYTES_TOTAL: String(64 * 1024 ** 2) };
    await startServer({ store: 'redis', env, log: capture.log });
    const redis = await privateRedis({ args: ['--maxmemory', '8mb', '--maxmemory-policy', 'allkeys-lru'] });
    const evicting = captureServerLog('info');
    await startServer({ store: 'redis', redisUrl: redis.url, env, log: evicting.log });
    await eventually(() => evicting.at(40).length === 2);
    expect(evicting.at(40)).toMatchObject([
      { event: 'media-redis-evicts', policy: 'allkeys-lru' },
      { event: 'media-redis-too-small', maxmemory: 8 * 1024 ** 2, maxUploadBytesTotal: 64 * 1024 ** 2 },
    ]);
    // The run's Redis keeps everything it is given (no maxmemory, noeviction): nothing to say.
    expect(capture.at(40)).toEqual([]);
  });

  it('holds uploads without a room to one budget for all nodes; room images still go in', async () => {
    const env = {
      MAX_UPLOAD_BYTES: '262144',
      ROOMLESS_UPLOAD_BYTES_TOTAL: '400000',
      MAX_UPLOAD_BYTES_TOTAL: '4000000',
    };
    const [a, b] = await twoNodes(env);
    const png = await noisePng(150_000);
    const statuses: number[] = [];
    for (const node of [a, b, a, b]) statuses.push((await upload(node.url, png)).status);
    expect(statuses).toEqual([200, 200, 507, 507]);
    const client = await joinedClient(b.url, ROOM, 'Sender');
    for (let i = 0; i < 3; i++) {
      await ok(request(client, 'send-image', { roomToken: ROOM, imageData: { blob: png } }));
    }
  });

  it('holds every node to MAX_UPLOAD_BYTES_TOTAL, and gives an image bytes back the moment it is deleted', async () => {
    const [a, b] = await twoNodes({ MAX_UPLOAD_BYTES: '262144', MAX_UPLOAD_BYTES_TOTAL: '700000' });
    const png = await noisePng(150_000);
    const senders = [await joinedClient(a.url, ROOM, 'A'), await joinedClient(b.url, ROOM, 'B')];
    const send = (i: number) => request(senders[i % 2]!, 'send-image', { roomToken: ROOM, imageData: { blob: png } });
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push(await ok(send(i)));
    expect(await refused(send(4))).toMatchObject({ code: 'STORAGE_FULL' });
    expect(await refused(send(5))).toMatchObject({ code: 'STORAGE_FULL' });
    expect((await fetch(`${a.url}/api/image/${sent[0]!.imageId}`, { method: 'DELETE' })).status).toBe(200);
    await ok(send(5));
  });

  it('sweeps bytes whose image record is gone (a crash between the two), from any node', async () => {
    const [a, b] = await twoNodes({});
    const kept = await upload(a.url, await noisePng(20_000));
    // What a node that died between writing the bytes and recording the image leaves behind.
    const client = openRedis(a.config.redis!.url, pino({ level: 'silent' }));
    afterThisTest(() => closeRedis(client));
    const media = new RedisMediaStore(client, redisKeys(a.prefix!), {
      maxBytes: 1e9,
      maxRoomlessBytes: 1e9,
      clock: Date.now,
      chunkBytes: 1000,
      staleMs: 30_000,
    });
    const orphan = `msg_1700000000000_0123456789abcdef_1700000000001_${'d'.repeat(32)}.png`;
    await new Promise<void>((resolve) => (client.isReady ? resolve() : client.once('ready', () => resolve())));
    await media.write(orphan, Readable.from([Buffer.alloc(5_000)]), {
      bytes: 5_000,
      expiresAt: Date.now() + 3_600_000,
    });

    expect(await b.server.images.sweepOrphans(0)).toBe(1);
    expect(await a.server.images.sweepOrphans(0)).toBe(0);
    expect((await keysUnder(a.config.redis!.url, a.prefix!)).filter((key) => key.includes(orphan))).toEqual([]);
    expect((await fetchImage(b.url, kept.body.imageUrl)).status).toBe(200);
    expect(await filesIn(a.config.media.uploadDir)).toEqual([]);
    expect(await filesIn(b.config.media.uploadDir)).toEqual([]);
  });
});
