import { describe, expect, it } from 'vitest';
import { eventually, joinedClient, refused, request } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { makeImage, upload } from '../helpers/images.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

describe.each(storeKinds())('stored bytes on %s', (store) => {
  it('refuses messages with STORAGE_FULL past MAX_STORED_MESSAGE_BYTES, and takes them again once some expired', async () => {
    // Each of these counts 256 bytes of envelope and 100 of text: five fit.
    const { url } = await startServer({ store, env: { MAX_STORED_MESSAGE_BYTES: '1800' } });
    const client = await joinedClient(url, 'ABC-123-XYZ', 'Writer');
    const text = 'x'.repeat(100);
    for (let i = 0; i < 5; i++) {
      expect((await request(client, 'send-message', { roomToken: 'ABC-123-XYZ', message: text, ttl: 1 })).ok).toBe(
        true,
      );
    }
    const refused = await request(client, 'send-message', { roomToken: 'ABC-123-XYZ', message: text });
    expect(refused).toMatchObject({ ok: false, error: { code: 'STORAGE_FULL' } });
    expect((await getJson(`${url}/api/room/ABC-123-XYZ/messages`)).count).toBe(5);
    await eventually(
      async () => (await request(client, 'send-message', { roomToken: 'ABC-123-XYZ', message: text })).ok,
      10_000,
    );
  });

  it('frees the bytes of burn-after-reading messages when they burn, not when their MAX_TTL would end', async () => {
    const env = { MAX_STORED_MESSAGE_BYTES: '1800', BURN_AFTER_READ_SECONDS: '1' };
    const { url } = await startServer({ store, env });
    const writer = await joinedClient(url, 'ABC-123-XYZ', 'Writer');
    // A reader that takes delivery as reading: each message starts burning as it arrives.
    await joinedClient(url, 'ABC-123-XYZ', 'Reader');
    const text = 'x'.repeat(100);
    const send = (ttl: number) => request(writer, 'send-message', { roomToken: 'ABC-123-XYZ', message: text, ttl });
    for (let i = 0; i < 5; i++) expect((await send(0)).ok).toBe(true);
    expect(await refused(send(0))).toMatchObject({ code: 'STORAGE_FULL' });
    await eventually(async () => (await send(0)).ok, 10_000);
  });

  it('counts images sent over a socket and uploaded from the same address together', async () => {
    const png = await makeImage('png');
    const env = { MAX_UPLOAD_BYTES: String(png.length * 2), MAX_IMAGE_BYTES_PER_ADDRESS: String(png.length * 2) };
    const { url } = await startServer({ store, env });
    const client = await joinedClient(url, 'ABC-123-XYZ', 'Painter');
    const image = { roomToken: 'ABC-123-XYZ', imageData: { name: 'a.png', blob: png } };
    let sent = 0;
    let ack = await request(client, 'send-image', image);
    while (ack.ok && sent < 50) {
      sent++;
      ack = await request(client, 'send-image', image);
    }
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(ack).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });
    expect((await upload(url, png)).status).toBe(429);
  });
});
