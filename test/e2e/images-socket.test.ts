import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  asImage,
  closeAllClients,
  collect,
  emitWithoutAck,
  eventually,
  joinedClient,
  nextEvent,
  ok,
  openClient,
  request,
  requestUntyped,
} from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { dataUrl, fetchImage, filesIn, makeImage, removeDir, tempUploadDir, upload } from '../helpers/images.js';
import { serverPerTest, startServer, type RunningServer } from '../helpers/server.js';
import { dropPrefix, keysUnder, redisUrl, storeKinds } from '../helpers/stores.js';
import { createClient } from 'redis';

const ROOM = 'IMG-123-XYZ';
const METADATA_KEYS = ['dimensions', 'filename', 'id', 'imageUrl', 'mimeType', 'name', 'size'];

describe.each(storeKinds())('send-image on %s', (store) => {
  const current = serverPerTest(store);
  const start = (env?: Record<string, string>) => current.start(env);

  async function pair(url: string) {
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const receiver = await joinedClient(url, ROOM, 'Shadow');
    return { sender, receiver };
  }

  it('takes a data: URL and broadcasts metadata only, measured by the server', async () => {
    const { url } = await start();
    const { sender, receiver } = await pair(url);
    const jpeg = await makeImage('jpeg', { width: 80, height: 60 });
    const received = nextEvent(receiver, 'new-message');
    const ack = await ok(
      request(sender, 'send-image', {
        roomToken: ROOM,
        imageData: {
          id: 'img_client_1',
          name: 'beach.jpg',
          data: dataUrl(jpeg, 'image/jpeg'),
          size: 1,
          mimeType: 'image/gif',
          dimensions: { width: 1, height: 1 },
        },
        caption: 'Check this out!',
        sender: 'Impostor',
        ttl: 600,
      }),
    );
    expect(ack).toMatchObject({
      ok: true,
      messageId: expect.stringMatching(/^msg_/),
      imageId: expect.stringMatching(/^img_/),
    });
    const message = asImage(await received);
    expect(message).toMatchObject({
      id: ack.messageId,
      type: 'image',
      caption: 'Check this out!',
      sender: 'Ghost',
      ttl: 600,
      roomToken: ROOM,
    });
    expect(Object.keys(message.imageData).sort()).toEqual(METADATA_KEYS);
    expect(message.imageData).toMatchObject({
      id: ack.imageId,
      name: 'beach.jpg',
      mimeType: 'image/jpeg',
      dimensions: { width: 80, height: 60 },
      imageUrl: `/api/image/${message.imageData.filename}`,
    });
    expect(message.imageData.filename.startsWith(`${ack.messageId}_`)).toBe(true);
    expect(JSON.stringify(message)).not.toContain('base64');

    const served = await fetchImage(url, message.imageData.imageUrl);
    expect(served.status).toBe(200);
    expect(served.bytes.length).toBe(message.imageData.size);
    const meta = await sharp(served.bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(served.bytes.includes('SpyCam')).toBe(false);

    const history = await getJson(`${url}/api/room/${ROOM}/messages`);
    expect(history.messages).toEqual([message]);
  });

  it('prefers the binary attachment and never decodes the data: URL beside it', async () => {
    const { url } = await start();
    const { sender, receiver } = await pair(url);
    const png = await makeImage('png');
    const received = nextEvent(receiver, 'new-message');
    const ack = await requestUntyped(sender, 'send-image', {
      roomToken: ROOM,
      // The web client's shape: both; a data: URL that would fail if it were decoded.
      imageData: {
        id: 'x',
        name: 'shot.png',
        data: 'data:image/png;base64,@@not base64@@',
        blob: png,
        originalSize: 5,
        timestamp: 1,
      },
      caption: '',
      ttl: 600,
    });
    expect(ack.ok).toBe(true);
    const message = asImage(await received);
    expect(message.imageData.mimeType).toBe('image/png');
    expect((await fetchImage(url, message.imageData.imageUrl)).status).toBe(200);
  });

  it('applies the membership rule of send-message and stores nothing for outsiders', async () => {
    const { url } = await start();
    const outsider = await openClient(url);
    const errorEvent = nextEvent(outsider, 'error');
    const ack = await request(outsider, 'send-image', {
      roomToken: ROOM,
      imageData: { name: 'a.png', blob: await makeImage('png') },
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });
    expect(await errorEvent).toMatchObject({ code: 'NOT_A_MEMBER', event: 'send-image' });
    expect(await filesIn(current.dir)).toEqual([]);
  });

  it('refuses SVG, fakes and payloads without an image with an error event', async () => {
    const { url } = await start();
    const { sender, receiver } = await pair(url);
    const messages = collect(receiver, 'new-message');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const cases: Array<[unknown, string]> = [
      [{ name: 'a.svg', data: dataUrl(svg, 'image/svg+xml') }, 'IMAGE_TYPE_UNSUPPORTED'],
      [
        { name: 'a.png', blob: Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('<html></html>')]) },
        'IMAGE_TYPE_UNSUPPORTED',
      ],
      [{ name: 'a.png', data: 'javascript:alert(1)' }, 'PAYLOAD_INVALID'],
      [{ name: 'a.png' }, 'PAYLOAD_INVALID'],
      [{ name: 'a.png', blob: 'not binary' }, 'PAYLOAD_INVALID'],
    ];
    for (const [imageData, code] of cases) {
      const errorEvent = nextEvent(sender, 'error');
      const ack = await requestUntyped(sender, 'send-image', { roomToken: ROOM, imageData, ttl: 60 });
      expect(ack, code).toMatchObject({ ok: false, error: { code } });
      expect((await errorEvent).code).toBe(code);
    }
    expect(messages).toEqual([]);
    expect(await filesIn(current.dir)).toEqual([]);
  });

  it('refuses an image over the limit, and a packet over the socket buffer is dropped unread', async () => {
    const { url, config } = await start({ MAX_UPLOAD_BYTES: '100000' });
    const { sender } = await pair(url);
    const png = await makeImage('png');
    const over = Buffer.concat([png, Buffer.alloc(100_001 - png.length)]);
    for (const imageData of [{ blob: over }, { data: dataUrl(over, 'image/png') }]) {
      const ack = await request(sender, 'send-image', { roomToken: ROOM, imageData });
      expect(ack).toMatchObject({ ok: false, error: { code: 'IMAGE_TOO_LARGE' } });
    }
    const disconnected = new Promise((resolve) => sender.once('disconnect', resolve));
    emitWithoutAck(sender, 'send-image', {
      roomToken: ROOM,
      imageData: { data: `data:image/png;base64,${'A'.repeat(config.limits.maxSocketPayloadBytes)}` },
    });
    expect(await disconnected).toBeDefined();
    expect(await filesIn(current.dir)).toEqual([]);
  });

  it('lets one connection have only two images in flight; more are refused on arrival', async () => {
    const { url } = await start();
    const { sender } = await pair(url);
    const jpeg = await sharp({
      create: {
        width: 1200,
        height: 900,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer();
    const acks = await Promise.all(
      Array.from({ length: 5 }, () =>
        request(sender, 'send-image', { roomToken: ROOM, imageData: { blob: jpeg } }, 15_000),
      ),
    );
    expect(acks.slice(0, 2).map((a) => a.ok)).toEqual([true, true]);
    expect(acks.slice(2).map((a) => (a.ok ? null : a.error.code))).toEqual([
      'IMAGES_BUSY',
      'IMAGES_BUSY',
      'IMAGES_BUSY',
    ]);
    // Once those are done the connection may send again.
    expect((await request(sender, 'send-image', { roomToken: ROOM, imageData: { blob: jpeg } }, 15_000)).ok).toBe(true);
    expect(await filesIn(current.dir)).toHaveLength(3);
  });

  it('deleting the image expires its message in the room', async () => {
    const { url } = await start();
    const { sender, receiver } = await pair(url);
    const ack = await ok(
      request(sender, 'send-image', {
        roomToken: ROOM,
        imageData: { name: 'a.gif', blob: await makeImage('gif') },
      }),
    );
    const expired = nextEvent(receiver, 'message-expired');
    const del = await fetch(`${url}/api/image/${ack.imageId}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await expired).toEqual({ messageId: ack.messageId, roomToken: ROOM });
    expect(await filesIn(current.dir)).toEqual([]);
    expect((await getJson(`${url}/api/room/${ROOM}/messages`)).messages).toEqual([]);
  });

  it('expires image and message together at the TTL, announced once', async () => {
    const { url } = await start();
    const { sender, receiver } = await pair(url);
    const expiries = collect(receiver, 'message-expired');
    const received = nextEvent(receiver, 'new-message');
    const ack = await ok(
      request(sender, 'send-image', {
        roomToken: ROOM,
        imageData: { blob: await makeImage('webp') },
        ttl: 1,
      }),
    );
    const { imageData } = asImage(await received);
    await eventually(() => expiries.length > 0, 5000);
    expect(expiries).toEqual([{ messageId: ack.messageId, roomToken: ROOM }]);
    await eventually(async () => (await filesIn(current.dir)).length === 0, 5000);
    expect((await fetchImage(url, imageData.imageUrl)).status).toBe(404);
    expect(expiries).toHaveLength(1);
  });

  it('burns a ttl-0 image once another participant has it, file included', async () => {
    const { url } = await start({ BURN_AFTER_READ_SECONDS: '1' });
    const { sender, receiver } = await pair(url);
    const received = nextEvent(receiver, 'new-message');
    const ack = await ok(
      request(sender, 'send-image', {
        roomToken: ROOM,
        imageData: { blob: await makeImage('png') },
        ttl: 0,
      }),
    );
    const { imageData } = asImage(await received);
    expect(await nextEvent(receiver, 'message-expired', 5000)).toEqual({ messageId: ack.messageId, roomToken: ROOM });
    await eventually(async () => (await filesIn(current.dir)).length === 0, 5000);
    expect((await fetchImage(url, imageData.imageUrl)).status).toBe(404);
  });
});

describe('a 10 MB image over the socket with default limits', () => {
  const current = serverPerTest('memory');

  it('fits as a data: URL (about 13.4 MB of text), as binary, and as both at once', async () => {
    const running = await current.start();
    const client = await joinedClient(running.url, ROOM, 'Big');
    const png = await makeImage('png');
    const tenMb = Buffer.concat([png, Buffer.alloc(10 * 1024 * 1024 - png.length)]);
    const viaData = await request(
      client,
      'send-image',
      { roomToken: ROOM, imageData: { data: dataUrl(tenMb, 'image/png') } },
      20_000,
    );
    expect(viaData.ok).toBe(true);
    const viaBlob = await request(client, 'send-image', { roomToken: ROOM, imageData: { blob: tenMb } }, 20_000);
    expect(viaBlob.ok).toBe(true);
    // The web client's packet: the same picture twice, as text and as an attachment.
    const both = await requestUntyped(
      client,
      'send-image',
      { roomToken: ROOM, imageData: { data: dataUrl(tenMb, 'image/png'), blob: tenMb, originalSize: tenMb.length } },
      20_000,
    );
    expect(both.ok).toBe(true);
    expect(await filesIn(current.dir)).toHaveLength(3);
  });
});

describe.runIf(storeKinds().includes('redis'))('images across a restart on Redis', () => {
  let running: RunningServer | undefined;
  let dir: string | undefined;
  let prefix: string | undefined;
  afterEach(async () => {
    // The server first: closing, it still writes under the prefix.
    await running?.close();
    if (prefix) await dropPrefix(redisUrl(), prefix);
    await removeDir(dir);
  });

  it('serves an image stored before the restart and still expires the ones that were due', async () => {
    dir = await tempUploadDir();
    const first = await startServer({ store: 'redis', env: { UPLOAD_DIR: dir }, keepData: true });
    prefix = first.prefix!;
    const kept = await upload(first.url, await makeImage('png'), { ttl: 600 });
    const before = await fetchImage(first.url, kept.body.imageUrl);
    const sender = await joinedClient(first.url, ROOM, 'Ghost');
    const sent = await ok(
      request(sender, 'send-image', {
        roomToken: ROOM,
        imageData: { blob: await makeImage('jpeg') },
        ttl: 2,
      }),
    );

    closeAllClients();
    await first.close();

    running = await startServer({ store: 'redis', env: { UPLOAD_DIR: dir }, prefix, keepData: true });
    const after = await fetchImage(running.url, kept.body.imageUrl);
    expect(after.status).toBe(200);
    expect(after.bytes.equals(before.bytes)).toBe(true);

    const watcher = await joinedClient(running.url, ROOM, 'Watcher');
    expect(await nextEvent(watcher, 'message-expired', 6000)).toEqual({ messageId: sent.messageId, roomToken: ROOM });
    await eventually(async () => (await filesIn(dir!)).length === 1, 5000);
    expect(await filesIn(dir)).toEqual([kept.body.filename]);
  });

  it("two nodes on one Redis and one UPLOAD_DIR serve each other's images and announce expiry once", async () => {
    dir = await tempUploadDir();
    const a = await startServer({ store: 'redis', env: { UPLOAD_DIR: dir } });
    prefix = a.prefix!;
    running = a;
    const b = await startServer({ store: 'redis', env: { UPLOAD_DIR: dir }, prefix, keepData: true });
    try {
      const sender = await joinedClient(a.url, ROOM, 'OnA');
      const watcher = await joinedClient(b.url, ROOM, 'OnB');
      const seenOnA = collect(sender, 'message-expired');
      const seenOnB = collect(watcher, 'message-expired');
      const received = nextEvent(watcher, 'new-message');
      const ack = await ok(
        request(sender, 'send-image', {
          roomToken: ROOM,
          imageData: { blob: await makeImage('png') },
          ttl: 1,
        }),
      );
      const { imageData } = asImage(await received);
      expect((await fetchImage(b.url, imageData.imageUrl)).status).toBe(200);
      await eventually(() => seenOnA.length > 0 && seenOnB.length > 0, 5000);
      await eventually(async () => (await filesIn(dir!)).length === 0, 5000);
      expect(seenOnA).toEqual([{ messageId: ack.messageId, roomToken: ROOM }]);
      expect(seenOnB).toEqual([{ messageId: ack.messageId, roomToken: ROOM }]);
    } finally {
      closeAllClients();
      await b.close();
    }
  });

  it('moves the key of a burning image to the burn time of its message', async () => {
    dir = await tempUploadDir();
    running = await startServer({ store: 'redis', env: { UPLOAD_DIR: dir, BURN_AFTER_READ_SECONDS: '5' } });
    prefix = running.prefix!;
    await joinedClient(running.url, ROOM, 'Reader');
    const sender = await joinedClient(running.url, ROOM, 'Ghost');
    const ack = await ok(
      request(sender, 'send-image', {
        roomToken: ROOM,
        imageData: { blob: await makeImage('png') },
        ttl: 0,
      }),
    );
    const client = createClient({ url: redisUrl() });
    await client.connect();
    try {
      // Delivered live to Reader: read, so it burns in 5 s; without that it would live MAX_TTL (a day).
      const ttl = await client.pTTL(`${prefix}image:${ack.imageId}:key`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(5000);
    } finally {
      await client.close();
    }
  });

  it('keeps each image key in Redis only as long as the image lives, like every other key', async () => {
    dir = await tempUploadDir();
    running = await startServer({ store: 'redis', env: { UPLOAD_DIR: dir } });
    prefix = running.prefix!;
    const { body } = await upload(running.url, await makeImage('png'), { ttl: 300 });
    const client = createClient({ url: redisUrl() });
    await client.connect();
    try {
      const keys = await keysUnder(redisUrl(), prefix);
      const imageKey = `${prefix}image:${body.imageId}:key`;
      expect(keys).toContain(imageKey);
      const ttl = await client.pTTL(imageKey);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300_000);
      for (const key of keys) expect(await client.pTTL(key), key).toBeGreaterThan(0);
      // The key is a fresh 256-bit secret, not derived from anything public.
      expect(Buffer.from((await client.get(imageKey))!, 'base64')).toHaveLength(32);
    } finally {
      await client.close();
    }
  });
});
