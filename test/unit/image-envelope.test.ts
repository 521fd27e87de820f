import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openImage, sealImage, type SealedImageHeader } from '../../src/client/e2e/image-envelope.js';
import { deriveRoomKey } from '../../src/client/e2e/room-keys.js';
import { newMessageId } from '../../src/client/e2e/text-envelope.js';
import type { ImageMessage } from '../../src/protocol/messages.js';

/** The known-answer vector of docs/E2E-ENCRYPTION.md ("Images"). */
const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
const iv = Uint8Array.from({ length: 12 }, (_, i) => 0xb0 + i);
const room = 'ABC-123-XYZ';
const header: SealedImageHeader = {
  id: 'gc1-known-answer-02',
  from: 'Quiet Wisp 07',
  ttl: 300,
  type: 'image/png',
  width: 1,
  height: 1,
  text: 'a pixel',
};
const picture = Uint8Array.from({ length: 16 }, (_, i) => i);
const SEALED =
  'Z2MxabCxsrO0tba3uLm6u_zrsqhUMriRVdCfNYwOrVbdLcXgyZqJnzVQbdrtnWHiVqeYO4jv4ibDt-F4GBk7A3dv6HceNHG8KTH8eE_PDc4TdQ22ZuB5Jhp6unyMfSocAkyzAF5e8mlI4Y1OEYcPbaWVhmmbk4gfz9iE350zM3YAZSxIUS0Bf48DJEFbsyzfO5lUFfhcZPOJ5SOh99zuLVyc7eW2Thjiajo';
const IMAGE_KEY = 'f9c712167ed21e5d66af6f3b161783cde31e7769bcc09450db001c2571c66280';

/** The image message as the server delivers it. */
const delivered = (over: Partial<ImageMessage> = {}): ImageMessage => ({
  id: 'msg_1_0000000000000000',
  type: 'image',
  imageData: {
    id: 'img_1_0000000000000000',
    name: 'image.bin',
    filename: 'f.bin',
    imageUrl: '/api/image/f.bin',
    size: 170,
    mimeType: 'application/octet-stream',
    dimensions: null,
    sealed: true,
  },
  caption: '',
  sender: header.from,
  timestamp: new Date(0).toISOString(),
  ttl: header.ttl,
  roomToken: room,
  ...over,
});

/** The format written out with node:crypto alone, as another implementation would. */
function sealIndependently(
  headerJson: string,
  body: Uint8Array,
  ivBytes: Uint8Array = randomBytes(12),
  length?: number,
) {
  const key = Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), 'ghostchat/gc1/image', 32));
  expect(key.toString('hex')).toBe(IMAGE_KEY);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length ?? Buffer.byteLength(headerJson));
  const cipher = createCipheriv('aes-256-gcm', key, ivBytes);
  cipher.setAAD(Buffer.from(`ghostchat/gc1/room/${room}`));
  const plain = Buffer.concat([prefix, Buffer.from(headerJson), body]);
  return Buffer.concat([Buffer.from('gc1i'), ivBytes, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

describe('the gc1i image envelope', () => {
  it('seals the known-answer vector to the exact documented bytes, which another implementation agrees with', async () => {
    const key = await deriveRoomKey(secret, 'image');
    const sealed = Buffer.from(await sealImage(key, room, header, picture, iv));
    expect(sealed.toString('base64url')).toBe(SEALED);
    expect(sealIndependently(JSON.stringify(header), picture, iv).toString('base64url')).toBe(SEALED);
  });

  it('opens the vector, and what another implementation sealed, to header and picture', async () => {
    const key = await deriveRoomKey(secret, 'image');
    expect(await openImage(key, delivered(), Buffer.from(SEALED, 'base64url'))).toEqual({
      kind: 'sealed',
      header,
      picture,
    });
    const other = { ...header, id: newMessageId(), text: 'ünïcödé 👻', type: 'image/webp' as const };
    const body = randomBytes(70_000);
    const opened = await openImage(key, delivered(), sealIndependently(JSON.stringify(other), body));
    expect(opened).toEqual({ kind: 'sealed', header: other, picture: new Uint8Array(body) });
  });

  it('uses a fresh IV for every image', async () => {
    const key = await deriveRoomKey(secret, 'image');
    const a = await sealImage(key, room, header, picture);
    const b = await sealImage(key, room, header, picture);
    expect(Buffer.from(a.subarray(4, 16)).equals(Buffer.from(b.subarray(4, 16)))).toBe(false);
  });

  it('detects a change to any byte of magic, IV, ciphertext or tag', async () => {
    const key = await deriveRoomKey(secret, 'image');
    const framed = Buffer.from(SEALED, 'base64url');
    for (let i = 0; i < framed.length; i++) {
      const tampered = Buffer.from(framed);
      tampered[i]! ^= 0x01;
      expect(await openImage(key, delivered(), tampered), `byte ${i}`).toEqual({ kind: 'unreadable' });
    }
  });

  it('does not open for another room, another secret, the text key, another sender or another TTL', async () => {
    const key = await deriveRoomKey(secret, 'image');
    const bytes = Buffer.from(SEALED, 'base64url');
    const unreadable = { kind: 'unreadable' };
    expect(await openImage(key, delivered({ roomToken: 'ABC-123-XYY' }), bytes)).toEqual(unreadable);
    const otherSecret = Uint8Array.from(secret, (b, i) => (i === 0 ? b ^ 1 : b));
    expect(await openImage(await deriveRoomKey(otherSecret, 'image'), delivered(), bytes)).toEqual(unreadable);
    expect(await openImage(await deriveRoomKey(secret, 'text'), delivered(), bytes)).toEqual(unreadable);
    expect(await openImage(key, delivered({ sender: 'Loud Wisp 08' }), bytes)).toEqual(unreadable);
    expect(await openImage(key, delivered({ ttl: 0 }), bytes)).toEqual(unreadable);
  });

  it('turns truncated, foreign or malformed contents into "unreadable", never an exception', async () => {
    const key = await deriveRoomKey(secret, 'image');
    const framed = Buffer.from(SEALED, 'base64url');
    const json = JSON.stringify(header);
    const cases = [
      Buffer.alloc(0),
      framed.subarray(0, 20),
      framed.subarray(0, framed.length - 1),
      Buffer.concat([framed, Buffer.from([0])]),
      Buffer.from('GIF89a not sealed at all, a plain picture someone sent'),
      sealIndependently('not json', picture),
      sealIndependently(json, picture, randomBytes(12), 1_000_000),
      sealIndependently(JSON.stringify({ ...header, type: 'image/svg+xml' }), picture),
      sealIndependently(JSON.stringify({ ...header, type: 'text/html' }), picture),
      sealIndependently(JSON.stringify({ ...header, width: 0 }), picture),
      sealIndependently(JSON.stringify({ ...header, height: 100_000 }), picture),
      sealIndependently(JSON.stringify({ ...header, id: 'short' }), picture),
      sealIndependently(JSON.stringify({ ...header, text: null }), picture),
    ];
    for (const [i, bytes] of cases.entries()) {
      expect(await openImage(key, delivered(), bytes), `case ${i}`).toEqual({ kind: 'unreadable' });
    }
  });

  it('refuses to seal a header it would not open', async () => {
    const key = await deriveRoomKey(secret, 'image');
    await expect(sealImage(key, room, { ...header, id: 'short' }, picture)).rejects.toThrow();
    await expect(sealImage(key, room, { ...header, type: 'image/gif' as 'image/png' }, picture)).rejects.toThrow();
  });
});
