import { randomBytes } from 'node:crypto';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import type { ClientRequest } from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { sealedSize } from '../../src/media/image-cipher.js';
import { eventually } from '../helpers/client.js';
import {
  fetchImage,
  heavyJpeg,
  noisePng,
  fileBytes,
  filesIn,
  makeImage,
  multipartHead,
  MULTIPART_TAIL,
  rawUpload,
  removeDir,
  stagedFiles,
  tempUploadDir,
  upload,
} from '../helpers/images.js';
import { startServer, type RunningServer } from '../helpers/server.js';

const TEN_MB = 10 * 1024 * 1024;

describe('streamed uploads', () => {
  let running: RunningServer | undefined;
  let dir = '';
  const pending: ClientRequest[] = [];
  afterEach(() => {
    for (const request of pending.splice(0)) request.destroy();
  });

  async function start(env: Record<string, string> = {}) {
    running = await startServer({ env });
    dir = running.config.media.uploadDir;
    return running;
  }

  it('refuses a declared length too large for any image before reading the body', async () => {
    const { url } = await start();
    const upload = rawUpload(url, { 'content-length': 50 * 1024 * 1024 });
    pending.push(upload.request);
    // Only the envelope's head is sent: the answer must come without the other 50 MB.
    upload.request.write(multipartHead());
    const { status, body } = await upload.response;
    expect(status).toBe(413);
    expect(JSON.parse(body).error.code).toBe('IMAGE_TOO_LARGE');
  });

  it('cuts off a chunked upload past 10 MB with 413, keeping nothing of it, not even sealed', async () => {
    const { url } = await start();
    const upload = rawUpload(url, { 'transfer-encoding': 'chunked' });
    pending.push(upload.request);
    upload.request.write(multipartHead());
    const png = await makeImage('png');
    upload.request.write(png);
    for (let sent = png.length; sent <= TEN_MB; sent += 1024 * 1024) upload.request.write(Buffer.alloc(1024 * 1024));
    // No end: the answer must not wait for the rest of a body that is already too large.
    const { status, body } = await upload.response;
    expect(status).toBe(413);
    expect(JSON.parse(body).error.code).toBe('IMAGE_TOO_LARGE');
    expect(await filesIn(dir)).toEqual([]);
    expect(await stagedFiles(dir)).toEqual([]);
  });

  it('receives a slow upload without taking the processing slot, sealed on disk while it waits', async () => {
    const { url } = await start({ MAX_CONCURRENT_IMAGES: '1' });
    const png = await noisePng(1024 * 1024);
    const body = Buffer.concat([multipartHead(), png, MULTIPART_TAIL]);
    const slow = rawUpload(url, { 'content-length': body.length });
    pending.push(slow.request);
    const half = multipartHead().length + png.length / 2;
    slow.request.write(body.subarray(0, half));
    await eventually(async () => (await stagedFiles(dir)).length === 1, 5000);
    const [staged] = await stagedFiles(dir);
    await eventually(async () => (await readFile(path.join(dir, staged!))).length > 64 * 1024, 5000);
    const onDisk = await readFile(path.join(dir, staged!));
    expect(onDisk.includes(png.subarray(0, 8))).toBe(false);
    expect(onDisk.includes(png.subarray(1000, 1064))).toBe(false);

    // Meanwhile another upload goes through the only processing slot.
    const quick = await upload(url, await makeImage('png'));
    expect(quick.status).toBe(200);

    // The slow one finishes, is processed, and its staging file is gone.
    slow.request.end(body.subarray(half));
    const done = await slow.response;
    expect(done.status).toBe(200);
    const stored = JSON.parse(done.body) as { filename: string; imageUrl: string };
    expect(await stagedFiles(dir)).toEqual([]);
    expect((await filesIn(dir)).sort()).toEqual([quick.body.filename, stored.filename].sort());
    const served = await fetchImage(url, stored.imageUrl);
    expect((await sharp(served.bytes).raw().toBuffer()).equals(await sharp(png).raw().toBuffer())).toBe(true);
  });

  it('forgets an upload whose client goes away half-way', async () => {
    const { url } = await start();
    const slow = rawUpload(url, { 'content-length': 2 * 1024 * 1024 });
    slow.request.write(Buffer.concat([multipartHead(), randomBytes(256 * 1024)]));
    await eventually(async () => (await stagedFiles(dir)).length === 1, 5000);
    slow.request.destroy();
    await eventually(async () => (await stagedFiles(dir)).length === 0, 5000);
    expect(await filesIn(dir)).toEqual([]);
    // The server carries on.
    expect((await upload(url, await makeImage('png'))).status).toBe(200);
  });

  it('drops an upload whose client left while it waited for its turn, without processing it', async () => {
    const { url } = await start({ MAX_CONCURRENT_IMAGES: '1' });
    // A picture heavy enough to keep the only processing slot busy for a while.
    const heavy = await heavyJpeg();
    const heavyBody = Buffer.concat([multipartHead(), heavy, MULTIPART_TAIL]);
    const first = rawUpload(url, { 'content-length': heavyBody.length });
    first.request.write(heavyBody.subarray(0, heavyBody.length - 100));
    await eventually(async () => (await stagedFiles(dir)).length === 1, 5000);
    first.request.end(heavyBody.subarray(heavyBody.length - 100));
    // Its staged file goes the moment it is taken into the processing slot.
    await eventually(async () => (await stagedFiles(dir)).length === 0, 5000);

    const small = await makeImage('png');
    const body = Buffer.concat([multipartHead(), small, MULTIPART_TAIL]);
    const leaving = rawUpload(url, { 'content-length': body.length });
    leaving.request.end(body);
    // Received in full and sealed: it now waits for the slot.
    const complete = async () => {
      const staged = await stagedFiles(dir);
      return staged.length === 1 && (await readFile(path.join(dir, staged[0]!))).length === sealedSize(small.length);
    };
    await eventually(complete, 5000);
    leaving.request.destroy();

    const stored = await first.response;
    expect(stored.status).toBe(200);
    await eventually(async () => (await stagedFiles(dir)).length === 0, 5000);
    expect(await filesIn(dir)).toEqual([(JSON.parse(stored.body) as { filename: string }).filename]);
  });

  it('sweeps what crashed processes left half-received, and leaves the uploads of a live neighbour alone', async () => {
    const uploadDir = await tempUploadDir();
    try {
      const crashed = path.join(uploadDir, '.staging', 'aaaaaaaaaaaaaaaa');
      const neighbour = path.join(uploadDir, '.staging', 'bbbbbbbbbbbbbbbb');
      await mkdir(crashed, { recursive: true });
      await mkdir(neighbour, { recursive: true });
      await writeFile(path.join(crashed, 'old.part'), 'sealed under a key that died with its process');
      const hourAgo = new Date(Date.now() - 3_600_000);
      await utimes(path.join(crashed, 'old.part'), hourAgo, hourAgo);
      await writeFile(path.join(neighbour, 'arriving.part'), 'another node is receiving this right now');
      await start({ UPLOAD_DIR: uploadDir });
      // The image janitor's first sweep runs as the server starts.
      await eventually(async () => !(await stagedFiles(uploadDir)).some((f) => f.endsWith('old.part')), 5000);
      expect(await stagedFiles(uploadDir)).toEqual([path.join('.staging', 'bbbbbbbbbbbbbbbb', 'arriving.part')]);
    } finally {
      await running?.close();
      running = undefined;
      await removeDir(uploadDir);
    }
  });
});

describe('streamed downloads', () => {
  it('serves a large image whole with its length, and cuts off one tampered on disk', async () => {
    const running = await startServer();
    const dir = running.config.media.uploadDir;
    const png = await noisePng(2 * 1024 * 1024);
    const { status, body } = await upload(running.url, png);
    expect(status).toBe(200);
    const served = await fetch(`${running.url}${body.imageUrl}`);
    expect(Number(served.headers.get('content-length'))).toBe(body.size);
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(bytes.length).toBe(body.size);

    // One bit flipped in the sealed file's second half: the answer starts, but never completes.
    const sealed = await fileBytes(dir, body.filename);
    sealed[Math.floor(sealed.length * 0.75)]! ^= 1;
    await writeFile(path.join(dir, body.filename), sealed);
    const tampered = await fetch(`${running.url}${body.imageUrl}`);
    expect(tampered.status).toBe(200);
    const parts: Buffer[] = [];
    const reader = tampered.body!.getReader();
    const failed = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return false;
          parts.push(Buffer.from(value));
        }
      } catch {
        return true;
      }
    })();
    expect(failed).toBe(true);
    // What did arrive is the image's own beginning, and stops before the segment that was altered.
    const received = Buffer.concat(parts);
    expect(received.length).toBeLessThan(body.size * 0.76);
    expect(received.equals(bytes.subarray(0, received.length))).toBe(true);
  });
});
