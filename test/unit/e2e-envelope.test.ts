import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveRoomKey } from '../../src/client/e2e/room-keys.js';
import { newMessageId, openText, sealText, type SealedText } from '../../src/client/e2e/text-envelope.js';
import type { TextMessage } from '../../src/protocol/messages.js';

/** The known-answer vector of docs/E2E-ENCRYPTION.md. */
const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
const iv = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
const room = 'ABC-123-XYZ';
const content: SealedText = { id: 'gc1-known-answer-01', from: 'Quiet Wisp 07', ttl: 300, text: 'hello, ghost' };
const SEALED =
  'gc1.oKGio6SlpqeoqaqrUiMgBIc_cuxzVQxAmmFzXiO3f3L2tccm12RkM3GWfMtec8WY72hfK6ULFYyDjGHtpq51J4avNsCsynUfUBZVBLMWvQCV3jJpzXumnjlHujSmJ5MS5nkTZrajlaRLE13572-I';

/** As the server delivers it. */
const delivered = (message: string, over: Partial<TextMessage> = {}): TextMessage => ({
  id: 'msg_1_0000000000000000',
  type: 'text',
  message,
  sender: content.from,
  timestamp: new Date(0).toISOString(),
  ttl: content.ttl,
  roomToken: room,
  ...over,
});

/** The format written out with node:crypto alone, as another implementation would. */
function sealIndependently(secretBytes: Uint8Array, roomToken: string, plaintext: string, ivBytes = randomBytes(12)) {
  const key = Buffer.from(hkdfSync('sha256', secretBytes, new Uint8Array(0), 'ghostchat/gc1/text', 32));
  const cipher = createCipheriv('aes-256-gcm', key, ivBytes);
  cipher.setAAD(Buffer.from(`ghostchat/gc1/room/${roomToken}`));
  const sealed = Buffer.concat([ivBytes, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `gc1.${sealed.toString('base64url')}`;
}

describe('the gc1 text envelope', () => {
  it('seals the known-answer vector to the exact documented string, which another implementation agrees with', async () => {
    const key = await deriveRoomKey(secret, 'text');
    expect(await sealText(key, room, content, iv)).toBe(SEALED);
    expect(sealIndependently(secret, room, JSON.stringify(content), Buffer.from(iv))).toBe(SEALED);
  });

  it('opens the vector, and what another implementation sealed, to the sealed content', async () => {
    const key = await deriveRoomKey(secret, 'text');
    expect(await openText(key, delivered(SEALED))).toEqual({ kind: 'sealed', content });
    const other = { ...content, id: newMessageId(), text: 'ünïcödé 👻 and "quotes"' };
    const sealed = sealIndependently(secret, room, JSON.stringify(other));
    expect(await openText(key, delivered(sealed))).toEqual({ kind: 'sealed', content: other });
  });

  it('uses a fresh IV for every message', async () => {
    const key = await deriveRoomKey(secret, 'text');
    const a = await sealText(key, room, content);
    const b = await sealText(key, room, content);
    expect(a).not.toBe(b);
    expect(a.slice(0, 20)).not.toBe(b.slice(0, 20));
  });

  it('detects a change to any byte of IV, ciphertext or tag', async () => {
    const key = await deriveRoomKey(secret, 'text');
    const framed = Buffer.from(SEALED.slice(4), 'base64url');
    for (let i = 0; i < framed.length; i++) {
      const tampered = Buffer.from(framed);
      tampered[i]! ^= 0x01;
      expect(await openText(key, delivered(`gc1.${tampered.toString('base64url')}`)), `byte ${i}`).toEqual({
        kind: 'unreadable',
      });
    }
  });

  it('does not open for another room, another secret, the image key, another sender or another TTL', async () => {
    const key = await deriveRoomKey(secret, 'text');
    const unreadable = { kind: 'unreadable' };
    expect(await openText(key, delivered(SEALED, { roomToken: 'ABC-123-XYY' }))).toEqual(unreadable);
    const otherSecret = Uint8Array.from(secret, (b, i) => (i === 31 ? b ^ 1 : b));
    expect(await openText(await deriveRoomKey(otherSecret, 'text'), delivered(SEALED))).toEqual(unreadable);
    expect(await openText(await deriveRoomKey(secret, 'image'), delivered(SEALED))).toEqual(unreadable);
    expect(await openText(key, delivered(SEALED, { sender: 'Loud Wisp 08' }))).toEqual(unreadable);
    expect(await openText(key, delivered(SEALED, { ttl: 86_400 }))).toEqual(unreadable);
  });

  it('turns damaged or foreign gc1 strings into "unreadable", never an exception or text', async () => {
    const key = await deriveRoomKey(secret, 'text');
    const foreign = [
      'gc1.',
      'gc1.!!!!',
      'gc1.A',
      SEALED.slice(0, 40),
      `${SEALED}AA`,
      // Sealed with the right key and room, but not the documented plaintext.
      sealIndependently(secret, room, 'not json'),
      sealIndependently(secret, room, '"a string"'),
      sealIndependently(secret, room, JSON.stringify({ ...content, id: 'short' })),
      sealIndependently(secret, room, JSON.stringify({ ...content, ttl: -1 })),
      sealIndependently(secret, room, JSON.stringify({ ...content, text: 42 })),
    ];
    for (const message of foreign) {
      expect(await openText(key, delivered(message)), message).toEqual({ kind: 'unreadable' });
    }
  });

  it('hands back text that is not sealed as plain', async () => {
    const key = await deriveRoomKey(secret, 'text');
    expect(await openText(key, delivered('hello from a plain client'))).toEqual({
      kind: 'plain',
      text: 'hello from a plain client',
    });
  });

  it('refuses to seal under an id that is not 16-64 base64url characters, or with a short secret', async () => {
    const key = await deriveRoomKey(secret, 'text');
    await expect(sealText(key, room, { ...content, id: 'short' })).rejects.toThrow();
    await expect(deriveRoomKey(secret.subarray(0, 16), 'text')).rejects.toThrow();
    expect(newMessageId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
