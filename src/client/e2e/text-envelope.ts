import type { TextMessage } from '../../protocol/messages.js';
import { fromBase64Url, toBase64Url } from './base64url.js';
import type { RoomKey } from './room-keys.js';

/**
 * A sealed text: `gc1.` + base64url(iv | AES-256-GCM ciphertext and tag), carried in the existing
 * `message` field. The plaintext is JSON naming the client's own message id, the sender and the
 * TTL the sender chose; the room token is the additional data. So the server can neither read it,
 * nor move it to another room, nor pass it off as someone else's or as longer-lived: each of those
 * fails to open. A replayed copy opens with the same id, which the page shows once.
 */
export const SEALED_PREFIX = 'gc1.';
export const IV_BYTES = 12;
const TAG_BYTES = 16;
const ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** What is sealed: exactly these fields, in this order. */
export interface SealedText {
  /** Chosen by the sending client (newMessageId()); unique per message, the same in every copy. */
  id: string;
  /** The sender's name in the room, as the server will report it. */
  from: string;
  /** The TTL the sender asked the server for, seconds. */
  ttl: number;
  text: string;
}

export type OpenedText =
  | { kind: 'sealed'; content: SealedText }
  /** Not sealed at all: a client that does not encrypt sent it. */
  | { kind: 'plain'; text: string }
  /** Sealed, but not for this key, this room, this sender or this TTL, or damaged. */
  | { kind: 'unreadable' };

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export const roomAdditionalData = (roomToken: string) => utf8.encode(`ghostchat/gc1/room/${roomToken}`);

/** A client-chosen message id as the envelopes carry it: 16-64 base64url characters. */
export function isEnvelopeId(id: unknown): id is string {
  return typeof id === 'string' && ID_PATTERN.test(id);
}

export function newMessageId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}

export function isSealed(message: string): boolean {
  return message.startsWith(SEALED_PREFIX);
}

/** Seals `content` for `roomToken`. `iv` is for known-answer tests only: never reuse one. */
export async function sealText(
  key: RoomKey,
  roomToken: string,
  content: SealedText,
  iv: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(IV_BYTES)),
): Promise<string> {
  if (!isEnvelopeId(content.id)) throw new Error('message id must be 16-64 base64url characters');
  const { id, from, ttl, text } = content;
  const plaintext = utf8.encode(JSON.stringify({ id, from, ttl, text }));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: roomAdditionalData(roomToken) }, key, plaintext),
  );
  const framed = new Uint8Array(iv.length + sealed.length);
  framed.set(iv);
  framed.set(sealed, iv.length);
  return SEALED_PREFIX + toBase64Url(framed);
}

/** Opens a text message as the server delivered it; never throws, never returns damaged text. */
export async function openText(key: RoomKey, message: TextMessage): Promise<OpenedText> {
  if (!isSealed(message.message)) return { kind: 'plain', text: message.message };
  const framed = fromBase64Url(message.message.slice(SEALED_PREFIX.length));
  if (framed === null || framed.length < IV_BYTES + TAG_BYTES) return { kind: 'unreadable' };
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: framed.subarray(0, IV_BYTES), additionalData: roomAdditionalData(message.roomToken) },
      key,
      framed.subarray(IV_BYTES),
    );
    const content = parseSealedText(utf8Strict.decode(plaintext));
    if (content === null || content.from !== message.sender || content.ttl !== message.ttl) {
      return { kind: 'unreadable' };
    }
    return { kind: 'sealed', content };
  } catch {
    return { kind: 'unreadable' };
  }
}

function parseSealedText(json: string): SealedText | null {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null) return null;
  const { id, from, ttl, text } = value as Record<string, unknown>;
  if (!isEnvelopeId(id)) return null;
  if (typeof from !== 'string' || typeof text !== 'string') return null;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0) return null;
  return { id, from, ttl, text };
}
