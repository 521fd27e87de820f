import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export type Format = 'jpeg' | 'png' | 'gif' | 'webp';

export const MIME: Record<Format, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** Tags a phone would write: camera, owner, GPS position. Each must be gone from what is served. */
export const PRIVATE_EXIF = {
  IFD0: { Make: 'SpyCam', Model: 'Leaky 9000', Artist: 'Jane Doe', Copyright: 'Jane Doe 2026' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
};

/** A PNG of noise of about `bytes` bytes: many sealed segments, no two alike, and scrubbing does not shrink it. */
export async function noisePng(bytes: number): Promise<Buffer> {
  const side = Math.floor(Math.sqrt(bytes / 3));
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/** A JPEG of noise (12 megapixels by default): heavy enough to keep a processing slot busy for a while. */
export async function heavyJpeg({ width = 4000, height = 3000 } = {}): Promise<Buffer> {
  const noise = { type: 'gaussian', mean: 128, sigma: 50 } as const;
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise } })
    .jpeg()
    .toBuffer();
}

/** A small picture in `format`, with EXIF (incl. GPS) and an ICC profile where the format holds them. */
export async function makeImage(format: Format, { width = 64, height = 48 } = {}): Promise<Buffer> {
  const base = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } })
    .withIccProfile('p3')
    .withExif(PRIVATE_EXIF);
  switch (format) {
    case 'jpeg':
      return base.jpeg().toBuffer();
    case 'png':
      return base.png().toBuffer();
    case 'gif':
      // GIF holds no EXIF: a comment block carries the same secrets instead.
      return withGifComment(await base.gif().toBuffer(), 'SpyCam Leaky 9000, Jane Doe, GPS 51.5N 0.1W');
    case 'webp':
      return base.webp().toBuffer();
  }
}

/** Inserts a GIF comment extension right after the header and global colour table. */
function withGifComment(gif: Buffer, text: string): Buffer {
  const flags = gif[10]!;
  const tableBytes = flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0;
  const at = 13 + tableBytes;
  const data = Buffer.from(text, 'latin1');
  const comment = Buffer.concat([Buffer.from([0x21, 0xfe, data.length]), data, Buffer.from([0])]);
  return Buffer.concat([gif.subarray(0, at), comment, gif.subarray(at)]);
}

/** An animation of `frames` frames (GIF or WebP). */
export async function makeAnimation(format: 'gif' | 'webp', frames = 3, width = 24, height = 16): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width, height, channels: 3, background: { r: 80 * i, g: 120, b: 40 } } })
        .raw()
        .toBuffer(),
    ),
  );
  const strip = sharp(Buffer.concat(pages), {
    raw: { width, height: height * frames, channels: 3, pageHeight: height },
  });
  const delay = Array.from({ length: frames }, () => 100);
  return format === 'gif' ? strip.gif({ loop: 0, delay }).toBuffer() : strip.webp({ loop: 0, delay }).toBuffer();
}

export async function tempUploadDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'ghostchat-uploads-'));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** The files in an upload directory (the staging directory inside it is not one of them). */
export async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/**
 * Uploads still being received or waiting to be processed, as paths under the upload directory
 * (`.staging/<one directory per server process>/<file>`).
 */
export async function stagedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(dir, '.staging'), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const BOUNDARY = '----ghostchat-test';

/** The start of a multipart body whose one part, `image`, follows. */
export function multipartHead(filename = 'photo.png'): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="image"; filename="${filename}"\r\n` +
      'content-type: image/png\r\n\r\n',
  );
}
export const MULTIPART_TAIL = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

export interface RawUpload {
  request: ClientRequest;
  response: Promise<{ status: number; body: string }>;
}

/** A hand-driven upload: the test decides what is sent when (or never). */
export function rawUpload(baseUrl: string, headers: Record<string, string | number>): RawUpload {
  const { hostname, port } = new URL(baseUrl);
  const request = httpRequest({
    host: hostname,
    port,
    path: '/api/upload-image',
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
  });
  // Writes after the server has answered (or after the test walked away) may fail: expected.
  request.on('error', () => undefined);
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

export async function fileBytes(dir: string, name: string): Promise<Buffer> {
  return readFile(path.join(dir, name));
}

export interface UploadOptions {
  filename?: string;
  type?: string;
  ttl?: string | number;
  messageId?: string;
  field?: string;
}

/** POST /api/upload-image as a browser would, with FormData. */
export async function upload(baseUrl: string, bytes: Uint8Array, options: UploadOptions = {}) {
  const form = new FormData();
  form.append(
    options.field ?? 'image',
    new Blob([bytes], { type: options.type ?? 'image/png' }),
    options.filename ?? 'photo.png',
  );
  if (options.messageId !== undefined) form.append('messageId', options.messageId);
  if (options.ttl !== undefined) form.append('ttl', String(options.ttl));
  const response = await fetch(`${baseUrl}/api/upload-image`, { method: 'POST', body: form });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body };
}

export async function fetchImage(baseUrl: string, pathname: string) {
  const response = await fetch(`${baseUrl}${pathname}`);
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

export function dataUrl(bytes: Buffer, mimeType: string): string {
  return `data:${mimeType};base64,${bytes.toString('base64')}`;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression bomb in a few hundred bytes: a valid PNG header declaring `width` x `height`
 * pixels (20000 x 20000 = 400 MP by default) over a tiny, highly compressed body.
 */
export function pngBomb(width = 20_000, height = 20_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth 1
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc(64 * 1024);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Raw GET with the path exactly as given (fetch would normalise `..` away before sending it). */
export function rawGet(baseUrl: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path: rawPath, method: 'GET' }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('latin1') }));
    });
    req.on('error', reject);
    req.end();
  });
}
