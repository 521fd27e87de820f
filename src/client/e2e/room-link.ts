import { isRoomToken } from '../../protocol/room-token-format.js';
import { fromBase64Url, toBase64Url } from './base64url.js';
import { ROOM_SECRET_BYTES } from './room-keys.js';

/**
 * Room links: `<origin>/#/r/<TOKEN>/<secret>`. Everything after `#` stays in the browser (it is
 * never sent in a request), so the server learns the token only when a client joins, and the
 * secret never.
 */
export interface RoomAddress {
  roomToken: string;
  /** base64url of ROOM_SECRET_BYTES random bytes; null when the link came without one. */
  secret: string | null;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A fresh `ABC-123-XYZ` token: 9 uniform picks of 36 (46.5 bits), from the platform's CSPRNG. */
export function newRoomToken(): string {
  const picks: string[] = [];
  while (picks.length < 9) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      // 252 = 7 x 36: bytes above it are dropped so every character is equally likely.
      if (byte < 252 && picks.length < 9) picks.push(ALPHABET[byte % 36]!);
    }
  }
  return `${picks.slice(0, 3).join('')}-${picks.slice(3, 6).join('')}-${picks.slice(6).join('')}`;
}

export function newRoomSecret(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(ROOM_SECRET_BYTES)));
}

/** The secret's bytes, or null when it is not exactly ROOM_SECRET_BYTES of base64url. */
export function secretBytes(secret: string): Uint8Array<ArrayBuffer> | null {
  const bytes = fromBase64Url(secret);
  return bytes !== null && bytes.length === ROOM_SECRET_BYTES && toBase64Url(bytes) === secret ? bytes : null;
}

export function roomLink(origin: string, address: { roomToken: string; secret: string }): string {
  return `${origin}/#/r/${address.roomToken}/${address.secret}`;
}

/** Reads `#/r/<TOKEN>[/<secret>]`; null for any other fragment (or a malformed one). */
export function parseRoomFragment(hash: string): RoomAddress | null {
  const match = /^#\/r\/([A-Za-z0-9-]+)(?:\/([^/]*))?$/.exec(hash);
  if (!match) return null;
  const roomToken = match[1]!.toUpperCase();
  if (!isRoomToken(roomToken)) return null;
  const secret = match[2] ?? '';
  if (secret === '') return { roomToken, secret: null };
  return secretBytes(secret) === null ? null : { roomToken, secret };
}
