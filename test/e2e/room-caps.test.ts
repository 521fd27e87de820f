import { describe, expect, it } from 'vitest';
import { collect, eventually, joinedClient, ok, request } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { fetchImage, filesIn, makeImage, noisePng } from '../helpers/images.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const ROOM = 'CAP-PED-R01';

describe.each(storeKinds())('per-room caps on %s', (store) => {
  it('drops the oldest messages past the message cap, telling the room, and keeps the newest', async () => {
    const running = await startServer({ store, env: { MAX_ROOM_MESSAGES: '5' } });
    const writer = await joinedClient(running.url, ROOM, 'Writer');
    const reader = await joinedClient(running.url, ROOM, 'Reader');
    const expired = collect(reader, 'message-expired');
    const sent: string[] = [];
    for (let i = 0; i < 8; i++) {
      sent.push((await ok(request(writer, 'send-message', { roomToken: ROOM, message: `m${i}` }))).messageId);
    }
    await eventually(() => expired.length === 3);
    expect(expired).toEqual(sent.slice(0, 3).map((messageId) => ({ messageId, roomToken: ROOM })));
    const history = await getJson(`${running.url}/api/room/${ROOM}/messages`);
    expect(history.messages.map((m: { message: string }) => m.message)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
    expect((await getJson(`${running.url}/api/room/${ROOM}/stats`)).messageCount).toBe(5);
  });

  it('drops the oldest messages past the byte cap', async () => {
    const running = await startServer({ store, env: { MAX_ROOM_MESSAGE_BYTES: '65536' } });
    const writer = await joinedClient(running.url, ROOM, 'Writer');
    const expired = collect(writer, 'message-expired');
    for (let i = 0; i < 10; i++) {
      await request(writer, 'send-message', { roomToken: ROOM, message: `${i}:`.padEnd(10_000, 'x') });
    }
    await eventually(() => expired.length === 4);
    const history = await getJson(`${running.url}/api/room/${ROOM}/messages`);
    expect(history.messages.map((m: { message: string }) => m.message.split(':')[0])).toEqual([
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
  });

  it('takes an image message out with its image when it is dropped', async () => {
    const running = await startServer({ store, env: { MAX_ROOM_MESSAGES: '2' } });
    const writer = await joinedClient(running.url, ROOM, 'Writer');
    const image = await ok(
      request(writer, 'send-image', {
        roomToken: ROOM,
        imageData: { name: 'a.png', blob: await makeImage('png') },
      }),
    );
    const [filename] = await filesIn(running.config.media.uploadDir);
    const expired = collect(writer, 'message-expired');
    await request(writer, 'send-message', { roomToken: ROOM, message: 'one' });
    await request(writer, 'send-message', { roomToken: ROOM, message: 'two' });
    await eventually(() => expired.length === 1);
    expect(expired[0]?.messageId).toBe(image.messageId);
    await eventually(async () => (await filesIn(running.config.media.uploadDir)).length === 0);
    expect((await fetchImage(running.url, `/api/image/${filename}`)).status).toBe(404);
  });

  it("refuses an image past the room's image bytes, keeping nothing of it, while other rooms still take images", async () => {
    const env = { MAX_UPLOAD_BYTES: '262144', MAX_ROOM_IMAGE_BYTES: '300000' };
    const running = await startServer({ store, env });
    const writer = await joinedClient(running.url, ROOM, 'Writer');
    const png = await noisePng(200_000);
    const first = await request(writer, 'send-image', { roomToken: ROOM, imageData: { blob: png } });
    expect(first.ok).toBe(true);
    const second = await request(writer, 'send-image', { roomToken: ROOM, imageData: { blob: png } });
    expect(second).toMatchObject({ ok: false, error: { code: 'ROOM_IMAGES_FULL' } });
    expect(await filesIn(running.config.media.uploadDir)).toHaveLength(1);
    const elsewhere = await joinedClient(running.url, 'OTH-ERR-OOM', 'Writer');
    expect((await request(elsewhere, 'send-image', { roomToken: 'OTH-ERR-OOM', imageData: { blob: png } })).ok).toBe(
      true,
    );
  });
});
