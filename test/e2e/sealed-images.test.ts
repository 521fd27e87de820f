import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  asImage,
  collect,
  eventually,
  joinedClient,
  nextEvent,
  ok,
  request,
  requestUntyped,
} from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { dataUrl, fetchImage, filesIn } from '../helpers/images.js';
import { serverPerTest } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const ROOM = 'SEA-LED-001';
const REVEALS = { features: ['reveal' as const] };

/** Bytes as a client's sealed image would look to the server: random, no format, nothing to decode. */
const opaque = (length = 4096) => randomBytes(length);

describe.each(storeKinds())('sealed images on %s', (store) => {
  const current = serverPerTest(store);

  it('stores opaque bytes as they came and serves them as application/octet-stream, never decoded', async () => {
    const { url } = await current.start();
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const receiver = await joinedClient(url, ROOM, 'Shadow');
    const bytes = opaque();
    const received = nextEvent(receiver, 'new-message');
    const ack = await ok(
      request(sender, 'send-image', {
        roomToken: ROOM,
        // The client's name and claims are not kept: they would be the only plain thing about it.
        imageData: { blob: bytes, sealed: true, name: 'passport-scan.jpg', mimeType: 'image/jpeg' },
        ttl: 600,
      }),
    );
    const message = asImage(await received);
    expect(message.imageData).toEqual({
      id: ack.imageId,
      name: 'image.bin',
      filename: expect.stringMatching(new RegExp(`^${ack.messageId}_\\d+_[0-9a-f]{32}\\.bin$`)),
      imageUrl: `/api/image/${message.imageData.filename}`,
      size: bytes.length,
      mimeType: 'application/octet-stream',
      dimensions: null,
      sealed: true,
    });
    expect(JSON.stringify(message)).not.toContain('passport');

    const served = await fetchImage(url, message.imageData.imageUrl);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(bytes)).toBe(true);
    expect(Object.fromEntries(served.headers)).toMatchObject({
      'content-type': 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
      'referrer-policy': 'no-referrer',
      'cache-control': expect.stringMatching(/^private, max-age=\d+$/),
      'content-length': String(bytes.length),
    });
    const head = await fetch(`${url}${message.imageData.imageUrl}`, { method: 'HEAD' });
    expect(head.headers.get('content-type')).toBe('application/octet-stream');

    // Encrypted at rest under its own key, like every image: the file is not the bytes sent.
    const [file] = await filesIn(current.dir);
    expect(file).toBe(message.imageData.filename);
    const onDisk = await readFile(path.join(current.dir, file!));
    expect(onDisk.includes(bytes.subarray(0, 32))).toBe(false);
    expect((await getJson(`${url}/api/room/${ROOM}/messages`)).messages).toEqual([message]);
  });

  it('takes a data: URL as well as a binary attachment', async () => {
    const { url } = await current.start();
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const own = nextEvent(sender, 'new-message');
    const bytes = opaque(100);
    await ok(
      request(sender, 'send-image', {
        roomToken: ROOM,
        imageData: { data: dataUrl(bytes, 'application/octet-stream'), sealed: true },
      }),
    );
    const served = await fetchImage(url, asImage(await own).imageData.imageUrl);
    expect(served.bytes.equals(bytes)).toBe(true);
  });

  it('is bounded like any image: too large, empty, and over the disk budget are refused, nothing kept', async () => {
    const { url } = await current.start({ MAX_UPLOAD_BYTES: '10000', MAX_UPLOAD_BYTES_TOTAL: '25000' });
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const messages = collect(sender, 'new-message');
    const tooLarge = await request(sender, 'send-image', {
      roomToken: ROOM,
      imageData: { blob: opaque(10_001), sealed: true },
    });
    expect(tooLarge).toMatchObject({ ok: false, error: { code: 'IMAGE_TOO_LARGE' } });
    const empty = await request(sender, 'send-image', {
      roomToken: ROOM,
      imageData: { blob: Buffer.alloc(0), sealed: true },
    });
    expect(empty).toMatchObject({ ok: false, error: { code: 'PAYLOAD_INVALID' } });
    const notBinary = await requestUntyped(sender, 'send-image', {
      roomToken: ROOM,
      imageData: { blob: 'sealed text', sealed: true },
    });
    expect(notBinary).toMatchObject({ ok: false, error: { code: 'PAYLOAD_INVALID' } });
    const sent = [];
    for (let i = 0; i < 3; i++) {
      sent.push(
        await request(sender, 'send-image', { roomToken: ROOM, imageData: { blob: opaque(9000), sealed: true } }),
      );
    }
    expect(sent.map((a) => (a.ok ? 'stored' : a.error.code))).toEqual(['stored', 'stored', 'STORAGE_FULL']);
    await eventually(() => messages.length === 2);
    expect(await filesIn(current.dir)).toHaveLength(2);
  });

  it('expires with its message at the TTL: file, key and message gone', async () => {
    const { url } = await current.start({ EXPIRY_POLL_MS: '50' });
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const own = nextEvent(sender, 'new-message');
    const ack = await ok(
      request(sender, 'send-image', { roomToken: ROOM, imageData: { blob: opaque(), sealed: true }, ttl: 1 }),
    );
    const { imageUrl } = asImage(await own).imageData;
    expect(await nextEvent(sender, 'message-expired', 5000)).toEqual({ messageId: ack.messageId, roomToken: ROOM });
    await eventually(async () => (await readdir(current.dir)).filter((f) => f.endsWith('.bin')).length === 0);
    expect((await fetchImage(url, imageUrl)).status).toBe(404);
  });

  it('burns on reveal: a revealing member gets no URL until it reveals; fetching the URL burns nothing', async () => {
    const { url } = await current.start({ BURN_AFTER_READ_SECONDS: '1', EXPIRY_POLL_MS: '50' });
    const sender = await joinedClient(url, ROOM, 'Ghost', REVEALS);
    const revealer = await joinedClient(url, ROOM, 'Revealer', REVEALS);
    const burnings = collect(sender, 'message-burning');
    const own = nextEvent(sender, 'new-message');
    const unrevealed = nextEvent(revealer, 'new-message');
    const bytes = opaque();
    const ack = await ok(
      request(sender, 'send-image', { roomToken: ROOM, imageData: { blob: bytes, sealed: true }, ttl: 0 }),
    );
    expect(await unrevealed).not.toHaveProperty('imageData');
    const { imageUrl } = asImage(await own).imageData;
    expect((await fetchImage(url, imageUrl)).status).toBe(200);
    expect((await ok(request(sender, 'reveal-message', { roomToken: ROOM, messageId: ack.messageId }))).burnsAt).toBe(
      null,
    );
    expect(burnings).toEqual([]);
    const revealed = await ok(request(revealer, 'reveal-message', { roomToken: ROOM, messageId: ack.messageId }));
    expect(asImage(revealed.message).imageData.imageUrl).toBe(imageUrl);
    expect((await fetchImage(url, imageUrl)).bytes.equals(bytes)).toBe(true);
    expect(await nextEvent(revealer, 'message-expired', 5000)).toEqual({ messageId: ack.messageId, roomToken: ROOM });
    await eventually(async () => (await fetchImage(url, imageUrl)).status === 404);
    await eventually(async () => (await filesIn(current.dir)).length === 0);
  });
});
