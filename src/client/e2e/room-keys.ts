/**
 * Keys of one room, derived from the secret in its link with HKDF-SHA-256 (WebCrypto, so the same
 * code runs in the page and in Node 20). One key per purpose, told apart by HKDF's `info`, so a
 * text ciphertext can never be opened as an image or the reverse. docs/E2E-ENCRYPTION.md has the
 * exact format.
 */
export const ROOM_SECRET_BYTES = 32;

export const KEY_LABELS = {
  text: 'ghostchat/gc1/text',
  image: 'ghostchat/gc1/image',
} as const;

export type KeyPurpose = keyof typeof KEY_LABELS;

export type RoomKey = Awaited<ReturnType<typeof crypto.subtle.deriveKey>>;

const utf8 = new TextEncoder();

/** An AES-256-GCM key for `purpose`; not extractable, so page code cannot leak it by accident. */
export async function deriveRoomKey(secret: Uint8Array<ArrayBuffer>, purpose: KeyPurpose): Promise<RoomKey> {
  if (secret.length !== ROOM_SECRET_BYTES) throw new Error(`a room secret is ${ROOM_SECRET_BYTES} bytes`);
  const material = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8.encode(KEY_LABELS[purpose]) },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}
