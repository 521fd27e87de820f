import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

export interface SealedImage {
  /** What goes to disk: version, IV, tag, ciphertext. Never the plain image. */
  sealed: Buffer;
  /** A fresh AES-256 key for this image only, base64; it lives in the store and dies with the image. */
  key: string;
}

/**
 * AES-256-GCM under a random per-image key. The file name is authenticated data, so a file
 * renamed or swapped on disk does not decrypt under another image's key.
 */
export function sealImage(plain: Buffer, filename: string): SealedImage {
  const key = randomBytes(32);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(filename, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  const sealed = Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  return { sealed, key: key.toString('base64') };
}

/** Decrypts and authenticates; throws when the bytes, the name or the key do not match. */
export function openImage(sealed: Buffer, key: string, filename: string): Buffer {
  if (sealed.length < HEADER_BYTES || sealed[0] !== VERSION) throw new Error('not a sealed image');
  const rawKey = Buffer.from(key, 'base64');
  if (rawKey.length !== 32) throw new Error('bad image key');
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', rawKey, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(filename, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
}

/** How many bytes a sealed image of `plainBytes` takes on disk. */
export function sealedSize(plainBytes: number): number {
  return HEADER_BYTES + plainBytes;
}
