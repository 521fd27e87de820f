import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
      return base.gif().toBuffer();
    case 'webp':
      return base.webp().toBuffer();
  }
}

/** An animation of `frames` frames (GIF or WebP). */
export async function makeAnimation(format: 'gif' | 'webp', frames = 3, width = 24, height = 16): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width, height, channels: 3, background: { r: 80 * i, g: 120, b: 40 } } }).raw().toBuffer(),
    ),
  );
  const strip = sharp(Buffer.concat(pages), { raw: { width, height: height * frames, channels: 3, pageHeight: height } });
  const delay = Array.from({ length: frames }, () => 100);
  return format === 'gif' ? strip.gif({ loop: 0, delay }).toBuffer() : strip.webp({ loop: 0, delay }).toBuffer();
}

export async function tempUploadDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'ghostchat-uploads-'));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
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
  form.append(options.field ?? 'image', new Blob([bytes], { type: options.type ?? 'image/png' }), options.filename ?? 'photo.png');
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
