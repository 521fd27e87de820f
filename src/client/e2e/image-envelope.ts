import type { ImageMessage } from '../../protocol/messages.js';
import type { RoomKey } from './room-keys.js';
import { IV_BYTES, isEnvelopeId, roomAdditionalData } from './text-envelope.js';

/**
 * A sealed image: the bytes the page sends with `send-image` (`imageData.sealed: true`) and the
 * server stores and serves without being able to read them.
 *
 *   "gc1i" (4 bytes) || IV (12) || AES-256-GCM( uint32 BE header length || header || picture ) || tag (16)
 *
 * under the room's image key, with the room token as additional data (as for text). The header is
 * UTF-8 JSON naming the client's message id, the sender, the TTL, the picture's type and size and
 * the caption; so the server learns nothing of the picture but the sealed length, and cannot move
 * it to another room, another sender or another TTL. docs/E2E-ENCRYPTION.md has the exact format.
 */
export const SEALED_IMAGE_MAGIC = new Uint8Array([0x67, 0x63, 0x31, 0x69]); // "gc1i"
const TAG_BYTES = 16;
const LENGTH_BYTES = 4;
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_SIDE = 16_384;

/** The picture types the page sends and shows: what a canvas encodes in every current browser. */
export const SEALED_PICTURE_TYPES = ['image/webp', 'image/jpeg', 'image/png'] as const;
export type SealedPictureType = (typeof SEALED_PICTURE_TYPES)[number];

/** What is sealed beside the picture: exactly these fields, in this order. */
export interface SealedImageHeader {
  /** Chosen by the sending client (newMessageId()). */
  id: string;
  from: string;
  ttl: number;
  type: SealedPictureType;
  width: number;
  height: number;
  /** The caption; empty for none. */
  text: string;
}

export type OpenedImage =
  | { kind: 'sealed'; header: SealedImageHeader; picture: Uint8Array<ArrayBuffer> }
  /** Not for this key, this room, this sender or this TTL, damaged, or not a sealed image at all. */
  | { kind: 'unreadable' };

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Seals `picture` with `header` for `roomToken`. `iv` is for known-answer tests only: never reuse one. */
export async function sealImage(
  key: RoomKey,
  roomToken: string,
  header: SealedImageHeader,
  picture: Uint8Array,
  iv: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(IV_BYTES)),
): Promise<Uint8Array<ArrayBuffer>> {
  if (parseHeader(header) === null) throw new Error('not a valid sealed image header');
  const { id, from, ttl, type, width, height, text } = header;
  const json = utf8.encode(JSON.stringify({ id, from, ttl, type, width, height, text }));
  const plaintext = new Uint8Array(LENGTH_BYTES + json.length + picture.length);
  new DataView(plaintext.buffer).setUint32(0, json.length);
  plaintext.set(json, LENGTH_BYTES);
  plaintext.set(picture, LENGTH_BYTES + json.length);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: roomAdditionalData(roomToken) }, key, plaintext),
  );
  const framed = new Uint8Array(SEALED_IMAGE_MAGIC.length + IV_BYTES + sealed.length);
  framed.set(SEALED_IMAGE_MAGIC);
  framed.set(iv, SEALED_IMAGE_MAGIC.length);
  framed.set(sealed, SEALED_IMAGE_MAGIC.length + IV_BYTES);
  return framed;
}

/** Opens the bytes of a sealed image as the server delivered its message; never throws. */
export async function openImage(key: RoomKey, message: ImageMessage, bytes: Uint8Array): Promise<OpenedImage> {
  const start = SEALED_IMAGE_MAGIC.length + IV_BYTES;
  if (bytes.length < start + TAG_BYTES + LENGTH_BYTES) return { kind: 'unreadable' };
  if (SEALED_IMAGE_MAGIC.some((b, i) => bytes[i] !== b)) return { kind: 'unreadable' };
  try {
    const plaintext = new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: bytes.slice(SEALED_IMAGE_MAGIC.length, start),
          additionalData: roomAdditionalData(message.roomToken),
        },
        key,
        bytes.slice(start),
      ),
    );
    const length = new DataView(plaintext.buffer).getUint32(0);
    if (length > MAX_HEADER_BYTES || LENGTH_BYTES + length > plaintext.length) return { kind: 'unreadable' };
    const header = parseHeader(JSON.parse(utf8Strict.decode(plaintext.subarray(LENGTH_BYTES, LENGTH_BYTES + length))));
    if (header === null || header.from !== message.sender || header.ttl !== message.ttl) return { kind: 'unreadable' };
    return { kind: 'sealed', header, picture: plaintext.slice(LENGTH_BYTES + length) };
  } catch {
    return { kind: 'unreadable' };
  }
}

const isSide = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= MAX_SIDE;

function parseHeader(value: unknown): SealedImageHeader | null {
  if (typeof value !== 'object' || value === null) return null;
  const { id, from, ttl, type, width, height, text } = value as Record<string, unknown>;
  if (!isEnvelopeId(id) || typeof from !== 'string' || typeof text !== 'string') return null;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0) return null;
  if (!SEALED_PICTURE_TYPES.includes(type as SealedPictureType) || !isSide(width) || !isSide(height)) return null;
  return { id, from, ttl, type: type as SealedPictureType, width, height, text };
}
