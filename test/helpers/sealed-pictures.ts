import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { openImage, type SealedImageHeader } from '../../src/client/e2e/image-envelope.js';
import { deriveRoomKey } from '../../src/client/e2e/room-keys.js';
import { secretBytes } from '../../src/client/e2e/room-link.js';
import type { ImageMessage } from '../../src/protocol/messages.js';

/** The sealed bytes a page fetched from the server's image URLs, in the order they arrived. */
export function sealedFetches(page: Page): Buffer[] {
  const fetched: Buffer[] = [];
  page.on('response', (response) => {
    if (!new URL(response.url()).pathname.startsWith('/api/image/') || response.status() !== 200) return;
    void response.body().then((body) => fetched.push(body));
  });
  return fetched;
}

/**
 * Opens sealed image bytes in Node with the secret from the room link, as the page does: the test's
 * own look at what the receiving page decrypted and showed.
 */
export async function openSealedPicture(
  link: string,
  message: { roomToken: string; sender: string; ttl: number },
  bytes: Buffer,
): Promise<{ header: SealedImageHeader; picture: Buffer }> {
  const secret = secretBytes(link.split('/').pop()!);
  if (!secret) throw new Error('no secret in the link');
  const key = await deriveRoomKey(secret, 'image');
  const opened = await openImage(key, { type: 'image', ...message } as ImageMessage, bytes);
  if (opened.kind !== 'sealed') throw new Error('the sealed image did not open with the room key');
  return { header: opened.header, picture: Buffer.from(opened.picture) };
}

export const PATTERN_SIZE = { width: 64, height: 48 };

/** Raw RGB rows no camera would produce: searched for in the store and on disk as decoded pixels. */
export function patternPixels(): Buffer {
  const { width, height } = PATTERN_SIZE;
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    raw[i * 3] = (i * 37 + 11) & 0xff;
    raw[i * 3 + 1] = (i * 101 + 13) & 0xff;
    raw[i * 3 + 2] = (i * 59 + 200) & 0xff;
  }
  return raw;
}

/** A lossless PNG of the pattern. */
export function patternPng(): Promise<Buffer> {
  return sharp(patternPixels(), { raw: { ...PATTERN_SIZE, channels: 3 } })
    .png()
    .toBuffer();
}

/** Slices of `bytes` long enough to be unmistakable, from its start, middle and end. */
export function chunksOf(bytes: Buffer, size = 48): Buffer[] {
  if (bytes.length <= size) return [bytes];
  const middle = Math.floor((bytes.length - size) / 2);
  return [0, middle, bytes.length - size].map((at) => bytes.subarray(at, at + size));
}
