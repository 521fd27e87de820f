import { utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffImageType } from '../../src/media/image-type.js';
import { eventually } from '../helpers/client.js';
import {
  fetchImage,
  fileBytes,
  filesIn,
  heavyJpeg,
  makeAnimation,
  makeImage,
  MIME,
  multipartHead,
  MULTIPART_TAIL,
  rawUpload,
  stagedFiles,
  upload,
  type Format,
} from '../helpers/images.js';
import { serverPerTest } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const NAME = /^msg_\d+_[0-9a-f]{16}_\d+_[0-9a-f]{32}\.(jpg|png|gif|webp)$/;

describe.each(storeKinds())('image upload and serving on %s', (store) => {
  const current = serverPerTest(store);
  const start = (env?: Record<string, string>) => current.start(env);

  it.each<Format>(['jpeg', 'png', 'gif', 'webp'])(
    'stores and serves %s with every piece of metadata stripped',
    async (format) => {
      const { url } = await start();
      const original = await makeImage(format);
      expect(original.includes('SpyCam')).toBe(true);

      const { status, body } = await upload(url, original, { type: MIME[format], filename: 'holiday.bin', ttl: 600 });
      expect(status).toBe(200);
      expect(Object.keys(body).sort()).toEqual(['filename', 'imageId', 'imageUrl', 'mimeType', 'size', 'success']);
      expect(body).toMatchObject({ success: true, mimeType: MIME[format], imageUrl: `/api/image/${body.filename}` });
      expect(body.filename).toMatch(NAME);
      expect(body.imageId).toMatch(/^img_\d+_[0-9a-f]{16}$/);

      const served = await fetchImage(url, body.imageUrl);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe(MIME[format]);
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(served.headers.get('content-security-policy')).toContain("default-src 'none'");
      const cache = served.headers.get('cache-control') ?? '';
      expect(cache).toMatch(/^private, max-age=\d+$/);
      expect(Number(cache.split('=')[1])).toBeLessThanOrEqual(600);
      expect(served.bytes.length).toBe(body.size);

      const after = await sharp(served.bytes).metadata();
      expect(after.format).toBe(format);
      expect([after.width, after.height]).toEqual([64, 48]);
      expect(after.exif).toBeUndefined();
      expect(after.icc).toBeUndefined();
      expect(after.xmp).toBeUndefined();
      for (const secret of ['SpyCam', 'Leaky', 'Jane Doe']) expect(served.bytes.includes(secret)).toBe(false);
    },
  );

  it.each(['gif', 'webp'] as const)('keeps every frame of an animated %s', async (format) => {
    const { url } = await start();
    const { body } = await upload(url, await makeAnimation(format, 3), { type: MIME[format] });
    const served = await fetchImage(url, body.imageUrl);
    const meta = await sharp(served.bytes, { animated: true }).metadata();
    expect(meta.pages).toBe(3);
    expect(meta.pageHeight).toBe(16);
  });

  it('identifies the type from the bytes, not from the name or the declared MIME type', async () => {
    const { url } = await start();
    const { status, body } = await upload(url, await makeImage('png'), { type: 'image/jpeg', filename: 'x.jpg' });
    expect(status).toBe(200);
    expect(body.mimeType).toBe('image/png');
    expect(body.filename.endsWith('.png')).toBe(true);
  });

  it('keeps only sealed bytes on disk: never the image, not even its signature', async () => {
    const { url } = await start();
    const { body } = await upload(url, await makeImage('png'));
    const served = (await fetchImage(url, body.imageUrl)).bytes;
    expect(await filesIn(current.dir)).toEqual([body.filename]);
    const onDisk = await fileBytes(current.dir, body.filename);
    expect(onDisk.equals(served)).toBe(false);
    expect(onDisk.includes(served.subarray(0, 16))).toBe(false);
    expect(onDisk.includes(served.subarray(served.length - 16))).toBe(false);
    expect(sniffImageType(onDisk)).toBeNull();
  });

  it('gives 404 for a well-formed name that was never stored', async () => {
    const { url } = await start();
    const res = await fetchImage(
      url,
      `/api/image/msg_1700000000000_0123456789abcdef_1700000000001_${'a'.repeat(32)}.png`,
    );
    expect(res.status).toBe(404);
  });

  it('deletes an upload: bytes and metadata go, and a second delete is 404', async () => {
    const { url } = await start();
    const { body } = await upload(url, await makeImage('webp'), { type: 'image/webp' });
    const del = await fetch(`${url}/api/image/${body.imageId}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ success: true, imageId: body.imageId });
    expect((await fetchImage(url, body.imageUrl)).status).toBe(404);
    expect(await filesIn(current.dir)).toEqual([]);
    expect((await fetch(`${url}/api/image/${body.imageId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${url}/api/image/..%2f..%2fetc`, { method: 'DELETE' })).status).toBe(400);
  });

  it('expires an upload at its TTL: 404, and the file is gone', async () => {
    const { url } = await start();
    const { body } = await upload(url, await makeImage('png'), { ttl: 1 });
    expect((await fetchImage(url, body.imageUrl)).status).toBe(200);
    await eventually(async () => (await filesIn(current.dir)).length === 0, 5000);
    expect((await fetchImage(url, body.imageUrl)).status).toBe(404);
  });

  it('never lets a ttl-0 upload be cached, and GET or HEAD of its URL starts no burn', async () => {
    const { url } = await start({ BURN_AFTER_READ_SECONDS: '1' });
    const { body } = await upload(url, await makeImage('png'), { ttl: 0 });
    const head = await fetch(`${url}${body.imageUrl}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/png');
    expect(Number(head.headers.get('content-length'))).toBe(body.size);
    expect(head.headers.get('cache-control')).toBe('private, no-store');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const first = await fetchImage(url, body.imageUrl);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('private, no-store');
    // Longer than the burn: had the HEAD or the GET (a link preview, a scanner) started it, the image would be gone.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await fetchImage(url, body.imageUrl)).status).toBe(200);
    expect(await filesIn(current.dir)).toHaveLength(1);
  });

  it('answers 507 once the disk budget is spent, and keeps what it already stored', async () => {
    const { url } = await start({ MAX_UPLOAD_BYTES: '2048', MAX_UPLOAD_BYTES_TOTAL: '2048' });
    const stored: string[] = [];
    let last: { status: number; body: any } | undefined;
    for (let i = 0; i < 20; i++) {
      last = await upload(url, await makeImage('png', { width: 16 + i, height: 16 }));
      if (last.status !== 200) break;
      stored.push(last.body.imageUrl);
    }
    expect(last?.status).toBe(507);
    expect(last?.body.error.code).toBe('STORAGE_FULL');
    expect(last?.body.error.message).toMatch(/full/i);
    expect(stored.length).toBeGreaterThan(0);
    for (const imageUrl of stored) expect((await fetchImage(url, imageUrl)).status).toBe(200);
  });

  it('takes in a bounded number of received images at once and turns the excess away with 503', async () => {
    // One processing slot and one place in the queue: two heavy images received in full fill them.
    const { url } = await start({ MAX_CONCURRENT_IMAGES: '1', MAX_QUEUED_IMAGES: '1' });
    // Decoding one takes a good part of a second, receiving one a few milliseconds on loopback.
    const body = Buffer.concat([multipartHead(), await heavyJpeg({ width: 2000, height: 1500 }), MULTIPART_TAIL]);
    // Three arrive within milliseconds, long before the first is decoded: the third finds no place.
    const held = Array.from({ length: 3 }, () => rawUpload(url, { 'content-length': body.length }));
    for (const h of held) h.request.end(body);
    const answers = await Promise.all(held.map((h) => h.response));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 503]);
    expect(JSON.parse(answers.find((a) => a.status === 503)!.body).error.code).toBe('IMAGES_BUSY');
    expect(await filesIn(current.dir)).toHaveLength(2);
    expect(await stagedFiles(current.dir)).toEqual([]);
    // Room again once they are through.
    expect((await upload(url, await makeImage('png'))).status).toBe(200);
    // Two heavy images decoded one after the other: generous under a loaded CI machine.
  }, 60_000);

  it('sweeps files that have no key, at start-up and when asked, and leaves live ones', async () => {
    const { url, server } = await start();
    const { body } = await upload(url, await makeImage('png'));
    const orphan = `msg_1700000000000_0123456789abcdef_1700000000001_${'b'.repeat(32)}.png`;
    await writeFile(path.join(current.dir, orphan), 'left behind by a crash');
    expect(await server.images.sweepOrphans(0)).toBe(1);
    expect(await filesIn(current.dir)).toEqual([body.filename]);

    // An old orphan is found by the sweep a server runs when it starts.
    await writeFile(path.join(current.dir, orphan), 'left behind by a crash');
    const old = new Date(Date.now() - 3_600_000);
    await utimes(path.join(current.dir, orphan), old, old);
    await current.restart();
    await eventually(async () => !(await filesIn(current.dir)).includes(orphan), 5000);
  });
});
