import { readdir, writeFile } from 'node:fs/promises';
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

  it('burns with its message: reading a burn-after-reading message moves the image deadline too', async () => {
    const { send, images, messages, stores, clock } = await imageDomain();
    const sent = await send(0);
    clock.advance(5_000);
    await wholeHistory(messages, ROOM);
    const burnAt = clock.now() + POLICY.burnAfterReadSeconds * 1000;
    expect((await stores.images.get(sent.imageData.id, clock.now()))?.expiresAt).toBe(burnAt);
    clock.advance(POLICY.burnAfterReadSeconds * 1000);
    expect(await images.expireDue(10)).toBe(1);
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
