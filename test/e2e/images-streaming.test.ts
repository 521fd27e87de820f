import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/client.js';
import {
  fetchImage,
  fileBytes,
  filesIn,
  makeImage,
  removeDir,
  stagedFiles,
  tempUploadDir,
  upload,
} from '../helpers/images.js';
import { startServer, type RunningServer } from '../helpers/server.js';

const TEN_MB = 10 * 1024 * 1024;
const BOUNDARY = '----ghostchat-test';

function multipartHead(filename = 'photo.png'): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="image"; filename="${filename}"\r\n` +
      'content-type: image/png\r\n\r\n',
  );
}
const MULTIPART_TAIL = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

interface RawUpload {
  request: ClientRequest;
  response: Promise<{ status: number; body: string }>;
}

/** A hand-driven upload: the test decides what is sent when (or never). */
function rawUpload(baseUrl: string, headers: Record<string, string | number>): RawUpload {
  const { hostname, port } = new URL(baseUrl);
  const request = httpRequest({
    host: hostname,
    port,
    path: '/api/upload-image',
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
  // A test that walks away from its upload does not await the answer.
  response.catch(() => undefined);
  return { request, response };
}

/** A PNG of noise of about `bytes` bytes: many sealed segments, and no two alike. */
async function noisePng(bytes: number): Promise<Buffer> {
  const side = Math.floor(Math.sqrt(bytes / 3));
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

describe('streamed uploads', () => {
  let running: RunningServer | undefined;
  let dir = '';
  const pending: ClientRequest[] = [];
  afterEach(async () => {
    for (const request of pending.splice(0)) request.destroy();
    await running?.close();
    running = undefined;
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
    expect(await stagedFiles(dir)).toEqual([]);
  });

  it('cuts off a chunked upload past 10 MB with 413, keeping nothing of it, not even sealed', async () => {
    const { url } = await start();
    const upload = rawUpload(url, { 'transfer-encoding': 'chunked' });
    pending.push(upload.request);
    upload.request.write(multipartHead());
    const png = await makeImage('png');
    upload.request.write(png);
    // Sent in pieces while the answer may already be on its way: writes after it are fine to fail.
    upload.request.on('error', () => undefined);
    for (let sent = png.length; sent <= TEN_MB; sent += 1024 * 1024) upload.request.write(Buffer.alloc(1024 * 1024));
    upload.request.end(MULTIPART_TAIL);
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
    slow.request.on('error', () => undefined);
    const half = multipartHead().length + png.length / 2;
    slow.request.write(body.subarray(0, half));
    await eventually(async () => (await stagedFiles(dir)).length === 1, 5000);
    const [staged] = await stagedFiles(dir);
    await eventually(async () => (await readFile(path.join(dir, '.staging', staged!))).length > 64 * 1024, 5000);
    const onDisk = await readFile(path.join(dir, '.staging', staged!));
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
    slow.request.on('error', () => undefined);
    slow.request.write(Buffer.concat([multipartHead(), randomBytes(256 * 1024)]));
    await eventually(async () => (await stagedFiles(dir)).length === 1, 5000);
    slow.request.destroy();
    await eventually(async () => (await stagedFiles(dir)).length === 0, 5000);
    expect(await filesIn(dir)).toEqual([]);
    // The server carries on.
    expect((await upload(url, await makeImage('png'))).status).toBe(200);
  });

  it('empties the staging directory at start: files a crash left there were sealed under lost keys', async () => {
    const uploadDir = await tempUploadDir();
    try {
      await mkdir(path.join(uploadDir, '.staging'));
      await writeFile(path.join(uploadDir, '.staging', 'deadbeef.part'), 'left behind by a crash');
      await start({ UPLOAD_DIR: uploadDir });
      expect(await stagedFiles(uploadDir)).toEqual([]);
    } finally {
      await running?.close();
      running = undefined;
      await removeDir(uploadDir);
    }
  });
});

describe('streamed downloads', () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('serves a large image whole with its length, and cuts off one tampered on disk', async () => {
    running = await startServer();
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
    const received = await tampered.arrayBuffer().then(
      (b) => b.byteLength,
      () => -1,
    );
    expect(received).not.toBe(body.size);
    expect(received).toBeLessThan(body.size * 0.76);
  });
});
