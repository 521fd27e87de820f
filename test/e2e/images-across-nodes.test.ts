import { get } from 'node:http';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { startCluster, type ClusterNode } from '../helpers/cluster.js';
import { asImage, eventually, joinedClient, nextEvent, ok, refused, request } from '../helpers/client.js';
import { HIGH_CLIENT_LIMITS } from '../helpers/client-limits-env.js';
import { getJson, http } from '../helpers/http.js';
import { fetchImage, filesIn, noisePng, stagedFiles, upload } from '../helpers/images.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { keysUnder } from '../helpers/stores.js';

const ROOM = 'IMG-NOD-ES1';
// Separate upload directories (the cluster helper gives each node its own): nothing is shared but Redis.
const TOKEN = 'metrics-token-for-tests-0123456789';
const ENV = {
  ...HIGH_CLIENT_LIMITS,
  MEDIA_STORE: 'redis',
  BURN_AFTER_READ_SECONDS: '1',
  EXPIRY_POLL_MS: '50',
  METRICS_TOKEN: TOKEN,
};

/** The node's `ghostchat_media_stored_bytes`. */
async function mediaBytes(node: ClusterNode): Promise<number> {
  const scrape = await http(`${node.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const line = (scrape.body as string).split('\n').find((l) => l.startsWith('ghostchat_media_stored_bytes '));
  return Number(line?.split(' ')[1]);
}

/** The status HEAD answers for an image: polled while the image may be deleted (a GET then would be cut off). */
async function headStatus(node: ClusterNode, imageUrl: string): Promise<number> {
  return (await fetch(`${node.url}${imageUrl}`, { method: 'HEAD' })).status;
}

/** Neither node's upload directory holds a file, staged or stored. */
async function nothingOnDisk(nodes: ClusterNode[]): Promise<void> {
  for (const node of nodes) {
    expect(await filesIn(node.uploadDir)).toEqual([]);
    expect(await stagedFiles(node.uploadDir)).toEqual([]);
  }
}

/**
 * GETs `path` and reads its first bytes only, then waits (reading nothing, so the server's stream
 * stops where the socket's buffers are full) until `meanwhile` is done, then reads on: resolves with
 * whether the whole body arrived.
 */
function interruptedGet(url: string, meanwhile: () => Promise<void>): Promise<{ status: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.once('data', () => {
        res.pause();
        meanwhile().then(() => res.resume(), reject);
      });
      res.on('data', () => undefined);
      res.once('close', () => resolve({ status: res.statusCode ?? 0, complete: res.complete }));
      res.once('error', () => undefined);
    }).once('error', reject);
  });
}

describe.runIf(redisServerBinary() !== null)('images on two nodes that share only Redis (MEDIA_STORE=redis)', () => {
  it(
    'serves an image stored through one node from the other, burns and expires it there, and keeps nothing on disk',
    { timeout: 180_000 },
    async () => {
      const { redis, prefix, nodes } = await startCluster({ nodes: 2, workers: 1, env: ENV });
      const [a, b] = nodes as [ClusterNode, ClusterNode];
      // Bigger than two chunks of 256 KiB, so it is read back from several.
      const png = await noisePng(700_000);

      const uploaded = await upload(a.url, png, { ttl: 3 });
      expect(uploaded.status).toBe(200);
      const fromB = await fetchImage(b.url, uploaded.body.imageUrl);
      expect(fromB.status).toBe(200);
      expect(fromB.bytes.length).toBe(uploaded.body.size);
      expect((await fetchImage(a.url, uploaded.body.imageUrl)).bytes.equals(fromB.bytes)).toBe(true);
      expect((await sharp(fromB.bytes).metadata()).format).toBe('png');
      // Both nodes count what Redis holds, not what they wrote themselves.
      expect(await mediaBytes(b)).toBeGreaterThan(uploaded.body.size);
      expect(await mediaBytes(a)).toBe(await mediaBytes(b));

      const sender = await joinedClient(a.url, ROOM, 'Sender');
      // A reader without the reveal feature: a burn-after-reading message is read as it is delivered.
      const reader = await joinedClient(b.url, ROOM, 'Reader');
      const kept = nextEvent(reader, 'new-message');
      await ok(request(sender, 'send-image', { roomToken: ROOM, imageData: { blob: png }, ttl: 60 }));
      const keptImage = asImage(await kept).imageData;
      expect((await fetchImage(b.url, keptImage.imageUrl)).bytes.length).toBe(keptImage.size);

      const burned = nextEvent(reader, 'new-message');
      await ok(request(sender, 'send-image', { roomToken: ROOM, imageData: { blob: png }, ttl: 0 }));
      const burnedImage = asImage(await burned).imageData;
      await eventually(async () => (await headStatus(b, burnedImage.imageUrl)) === 404, 15_000);
      expect((await fetchImage(b.url, burnedImage.imageUrl)).status).toBe(404);
      expect((await fetchImage(a.url, burnedImage.imageUrl)).status).toBe(404);

      // The upload's TTL: gone from both nodes, and nothing of either image is left in Redis.
      await eventually(async () => (await headStatus(b, uploaded.body.imageUrl)) === 404, 15_000);
      expect((await fetchImage(b.url, uploaded.body.imageUrl)).status).toBe(404);
      expect((await fetchImage(a.url, uploaded.body.imageUrl)).status).toBe(404);
      const traces = async () =>
        (await keysUnder(redis.url, prefix)).filter((key) =>
          [uploaded.body.filename, uploaded.body.imageId, burnedImage.filename, burnedImage.id].some((s: string) =>
            key.includes(s),
          ),
        );
      await eventually(async () => (await traces()).length === 0, 10_000);

      // The last image deleted through B: no media or image key at all is left under the prefix.
      expect((await fetch(`${b.url}/api/image/${keptImage.id}`, { method: 'DELETE' })).status).toBe(200);
      expect((await fetchImage(a.url, keptImage.imageUrl)).status).toBe(404);
      const imageKeys = async () => (await keysUnder(redis.url, prefix)).filter((key) => /:(media|image)/.test(key));
      await eventually(async () => (await imageKeys()).length === 0, 10_000);
      expect(await mediaBytes(a)).toBe(0);
      expect(await mediaBytes(b)).toBe(0);
      await nothingOnDisk(nodes);
    },
  );

  it(
    'answers 503 STORE_UNAVAILABLE, never a 500 or a hang, while Redis is away, and serves again once it is back',
    { timeout: 180_000 },
    async () => {
      const { redis, nodes } = await startCluster({ nodes: 2, workers: 1, env: ENV });
      const [a, b] = nodes as [ClusterNode, ClusterNode];
      const png = await noisePng(300_000);
      const before = await upload(a.url, png);
      expect(before.status).toBe(200);
      const sender = await joinedClient(b.url, ROOM, 'Sender');

      // Redis stops answering while an image streams out: the answer is cut off, not left hanging.
      const large = await upload(a.url, await noisePng(8_000_000));
      expect(large.status).toBe(200);
      const cut = await interruptedGet(`${b.url}${large.body.imageUrl}`, async () => redis.pause());
      expect(cut).toEqual({ status: 200, complete: false });
      redis.resume();

      await redis.stop();
      await eventually(async () => (await getJson(`${b.url}/api/health`)).redis === 'disconnected', 10_000);
      const refusedUpload = await upload(b.url, png);
      expect(refusedUpload.status).toBe(503);
      expect(refusedUpload.body.error.code).toBe('STORE_UNAVAILABLE');
      expect((await fetchImage(b.url, before.body.imageUrl)).status).toBe(503);
      const sent = await refused(request(sender, 'send-image', { roomToken: ROOM, imageData: { blob: png } }));
      expect(sent.code).toBe('STORE_UNAVAILABLE');
      await nothingOnDisk(nodes);

      // Back, empty (it kept nothing): what was stored is gone with it, and new images go in again.
      await redis.start();
      await eventually(async () => (await getJson(`${b.url}/api/health`)).redis === 'connected', 15_000);
      expect((await fetchImage(b.url, before.body.imageUrl)).status).toBe(404);
      let after = await upload(b.url, png);
      await eventually(async () => (after = await upload(b.url, png)).status === 200, 15_000);
      // Each node reconnects at its own pace (node-redis backs off up to 2 s).
      await eventually(async () => (await fetchImage(a.url, after.body.imageUrl)).status === 200, 15_000);
      await nothingOnDisk(nodes);
    },
  );
});
