import { describe, expect, it } from 'vitest';
import { joinedClient, request } from '../helpers/client.js';
import { fetchImage, noisePng, upload } from '../helpers/images.js';
import { startServer } from '../helpers/server.js';

describe('uploads without a room', () => {
  it('fill only a budget of their own: room images still go in once it is spent', async () => {
    const env = {
      MAX_UPLOAD_BYTES: '262144',
      ROOMLESS_UPLOAD_BYTES_TOTAL: '400000',
      MAX_UPLOAD_BYTES_TOTAL: '4000000',
    };
    const { url } = await startServer({ env });
    const png = await noisePng(150_000);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await upload(url, png)).status);
    expect(statuses).toEqual([200, 200, 507, 507]);
    const client = await joinedClient(url, 'ROO-MIM-AGE', 'Sender');
    for (let i = 0; i < 3; i++) {
      expect((await request(client, 'send-image', { roomToken: 'ROO-MIM-AGE', imageData: { blob: png } })).ok).toBe(
        true,
      );
    }
  });

  it('live at most ROOMLESS_UPLOAD_MAX_TTL, whatever ttl they ask for', async () => {
    const { url } = await startServer({ env: { ROOMLESS_UPLOAD_MAX_TTL: '120' } });
    const { body } = await upload(url, await noisePng(3000), { ttl: 86_400 });
    const served = await fetchImage(url, body.imageUrl);
    const maxAge = Number(/max-age=(\d+)/.exec(served.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(100);
    expect(maxAge).toBeLessThanOrEqual(120);
  });
});
