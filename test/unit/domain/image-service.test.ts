import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageService } from '../../../src/domain/image-service.js';
import { AppError } from '../../../src/errors.js';
import { Semaphore } from '../../../src/lib/semaphore.js';
import { processImage } from '../../../src/media/image-processor.js';
import { LocalMediaStore } from '../../../src/media/local-media-store.js';
import { afterThisTest } from '../../helpers/cleanup.js';
import { eventually } from '../../helpers/client.js';
import { memoryDomain, POLICY, wholeHistory } from '../../helpers/domain.js';
import { makeImage, removeDir, tempUploadDir } from '../../helpers/images.js';

const ROOM = 'ABC-123-XYZ';
const ghost = { roomToken: ROOM, agentId: 'Ghost' };

/** The image service on memory stores and a real upload directory, subscribed to the domain's events. */
async function imageDomain() {
  const domain = memoryDomain();
  const dir = await tempUploadDir();
  afterThisTest(() => removeDir(dir));
  const media = new LocalMediaStore(dir, 64 * 1024 * 1024);
  await media.init();
  const busy = () => new AppError('IMAGES_BUSY');
  const images = new ImageService({
    images: domain.stores.images,
    media,
    messages: domain.messages,
    events: domain.events,
    log: domain.log.log,
    policy: { ...POLICY, maxUploadBytes: 1024 * 1024, maxPixels: 1_000_000 },
    clock: domain.clock.now,
    newId: domain.ids,
    process: processImage,
    admission: new Semaphore(4, 0, busy),
    gate: new Semaphore(2, 2, busy),
  });
  domain.events.subscribe('images', images.hooks);
  const files = async () => (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  const send = async (ttl: number) =>
    images.sendToRoom(ghost, async () => ({ load: () => makeImage('png'), ttl }), 'a caption');
  return { ...domain, dir, images, files, send };
}

describe('ImageService on the memory stores', () => {
  it('stores an image with the message that carries it, sealed on disk, readable until its deadline', async () => {
    const { send, images, files, messages, clock } = await imageDomain();
    const sent = await send(60);
    expect(sent).toMatchObject({ type: 'image', caption: 'a caption', sender: 'Ghost', ttl: 60 });
    expect(await files()).toEqual([sent.imageData.filename]);
    expect((await wholeHistory(messages, ROOM)).map((m) => m.id)).toEqual([sent.id]);
    const opened = await images.open(sent.imageData.filename);
    opened.stream.destroy();
    expect(opened).toMatchObject({ mimeType: 'image/png', burnAfterReading: false, bytes: sent.imageData.size });
    clock.advance(60_000);
    await expect(images.open(sent.imageData.filename)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('at its deadline removes the file and the message, and tells the room the message is gone', async () => {
    const { send, images, files, messages, clock, emitted } = await imageDomain();
    const sent = await send(60);
    clock.advance(60_000);
    expect(await images.expireDue(10)).toBe(1);
    expect(await files()).toEqual([]);
    expect(await wholeHistory(messages, ROOM)).toEqual([]);
    expect(emitted).toEqual([
      { event: 'messageExpired', payload: { roomToken: ROOM, messageId: sent.id, cause: 'image' } },
    ]);
  });

  it('goes with its message when the message expires first', async () => {
    const { send, files, expiry, stores, clock } = await imageDomain();
    const sent = await send(600);
    // The message's deadline moved without its image's (a burn whose image hook never ran).
    await stores.messages.expireSooner(ROOM, [sent.id], clock.now() + 1_000);
    clock.advance(1_000);
    // The message's own schedule claims it; the image follows through the messageExpired hook.
    expect(await expiry.runOnce()).toBe(1);
    await eventually(async () => (await files()).length === 0);
  });

  it('burns with its message: revealing a burn-after-reading message moves the image deadline too', async () => {
    const { send, images, messages, stores, clock } = await imageDomain();
    const sent = await send(0);
    clock.advance(5_000);
    // Fetching the image or the history is no read; a member other than the sender revealing it is.
    (await images.open(sent.imageData.filename)).stream.destroy();
    await wholeHistory(messages, ROOM);
    const unread = clock.now() - 5_000 + POLICY.maxTtlSeconds * 1000;
    expect((await stores.images.get(sent.imageData.id, clock.now()))?.expiresAt).toBe(unread);
    await messages.reveal({ roomToken: ROOM, agentId: 'Reader' }, sent.id);
    const burnAt = clock.now() + POLICY.burnAfterReadSeconds * 1000;
    expect((await stores.images.get(sent.imageData.id, clock.now()))?.expiresAt).toBe(burnAt);
    clock.advance(POLICY.burnAfterReadSeconds * 1000);
    expect(await images.expireDue(10)).toBe(1);
  });

  it('keeps a sealed image as it came: never decoded, opaque type, no dimensions, no client name', async () => {
    const { images, files, dir } = await imageDomain();
    const opaque = Buffer.from('not an image at all: sealed bytes only the room can open');
    const sent = await images.sendToRoom(
      ghost,
      async () => ({ load: async () => opaque, name: 'holiday-at-home.jpg', ttl: 60, sealed: true }),
      '',
    );
    expect(sent.imageData).toMatchObject({
      mimeType: 'application/octet-stream',
      dimensions: null,
      size: opaque.length,
      sealed: true,
      name: 'image.bin',
    });
    expect(sent.imageData.filename).toMatch(/\.bin$/);
    expect(await files()).toEqual([sent.imageData.filename]);
    // Encrypted at rest like any image: the file on disk is not the bytes that came in.
    expect((await readFile(path.join(dir, sent.imageData.filename))).includes(opaque)).toBe(false);
    const opened = await images.open(sent.imageData.filename);
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(opaque);
    expect(opened.mimeType).toBe('application/octet-stream');
  });

  it('refuses an empty sealed image', async () => {
    const { images, files } = await imageDomain();
    await expect(
      images.sendToRoom(ghost, async () => ({ load: async () => Buffer.alloc(0), sealed: true }), ''),
    ).rejects.toMatchObject({ code: 'PAYLOAD_INVALID' });
    expect(await files()).toEqual([]);
  });

  it('sweeps files that have no record, but never a young one', async () => {
    const { send, images, files, dir, clock } = await imageDomain();
    // File ages come from the file system: the clock starts at the wall clock's time here.
    clock.advance(Date.now() - clock.now());
    const kept = await send(600);
    const orphan = `msg_1700000000000_0123456789abcdef_1700000000001_${'c'.repeat(32)}.png`;
    await writeFile(path.join(dir, orphan), 'left behind by a crash');
    expect(await images.sweepOrphans(60_000)).toBe(0);
    clock.advance(61_000);
    expect(await images.sweepOrphans(60_000)).toBe(1);
    expect(await files()).toEqual([kept.imageData.filename]);
  });
});
