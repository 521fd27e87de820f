import { randomBytes } from 'node:crypto';
import type { StoredType } from './image-type.js';

/**
 * `<messageId>_<ms>_<random>.<ext>`, which reads `msg_<ms>_<hex>_<ms>_<hex>.png` exactly like the
 * reference's names. The random part is 128 bits so a URL cannot be guessed, and every character
 * is generated here: nothing a client sends reaches a path. Sealed images (opaque) end in `.bin`.
 */
export const IMAGE_FILENAME_PATTERN = /^msg_\d{1,15}_[0-9a-f]{16}_\d{1,15}_[0-9a-f]{32}\.(?:jpg|png|gif|webp|bin)$/;

/** `img_<ms>_<hex>` from the id generator. */
export const IMAGE_ID_PATTERN = /^img_\d{1,15}_[0-9a-f]{16}$/;

/** Server message ids (`msg_<ms>_<hex>`), the only kind that may appear in a file name. */
export const MESSAGE_ID_PATTERN = /^msg_\d{1,15}_[0-9a-f]{16}$/;

export function isImageFilename(name: unknown): name is string {
  return typeof name === 'string' && IMAGE_FILENAME_PATTERN.test(name);
}

export function isImageId(id: unknown): id is string {
  return typeof id === 'string' && IMAGE_ID_PATTERN.test(id);
}

export function newImageFilename(messageId: string, now: number, type: StoredType): string {
  if (!MESSAGE_ID_PATTERN.test(messageId)) throw new Error('not a server message id');
  const name = `${messageId}_${now}_${randomBytes(16).toString('hex')}.${type.ext}`;
  // Belt and braces: a name this module would refuse to serve is never written either.
  if (!isImageFilename(name)) throw new Error('generated an invalid image file name');
  return name;
}

export function imageUrl(filename: string): string {
  return `/api/image/${filename}`;
}
