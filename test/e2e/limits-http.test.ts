import { describe, expect, it } from 'vitest';
import { testClock } from '../helpers/domain.js';
import { joinedClient, refused, request } from '../helpers/client.js';
import { http } from '../helpers/http.js';
import { makeImage, upload } from '../helpers/images.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const lookup = (url: string, kind: 'messages' | 'stats', headers: Record<string, string> = {}) =>
  http(`${url}/api/room/ABC-123-XYZ/${kind}`, { headers });

describe.each(storeKinds())('per address HTTP limits on %s', (store) => {
  it('answers lookups past the rate with 429, Retry-After and retryAfterMs, on every node', async () => {
    const clock = testClock(Date.now());
    const env = { HTTP_LOOKUPS_PER_MINUTE: '3' };
    const first = await startServer({ store, clock: clock.now, env });
    const second =
      store === 'redis' ? await startServer({ store, clock: clock.now, env, prefix: first.prefix! }) : first;
    expect((await lookup(first.url, 'messages')).status).toBe(200);
    expect((await lookup(second.url, 'stats')).status).toBe(200);
    expect((await lookup(first.url, 'stats')).status).toBe(200);
    for (const server of [first, second]) {
      const refused = await lookup(server.url, 'messages');
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
      expect(refused.body.error.retryAfterMs).toBeGreaterThan(0);
      expect(refused.body.error.retryAfterMs).toBeLessThanOrEqual(20_000);
      expect(Number(refused.headers.get('retry-after'))).toBe(Math.ceil(refused.body.error.retryAfterMs / 1000));
    }
    // Other routes are not lookups.
    expect((await http(`${first.url}/api/health`)).status).toBe(200);
    clock.advance(20_000);
    expect((await lookup(second.url, 'messages')).status).toBe(200);
  });

  it('believes X-Forwarded-For only from a trusted proxy, and then counts each client apart', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const untrusted = await startServer({ store, env: { HTTP_LOOKUPS_PER_MINUTE: '1' } });
    expect((await lookup(untrusted.url, 'stats', from('203.0.113.1'))).status).toBe(200);
    expect((await lookup(untrusted.url, 'stats', from('203.0.113.2'))).status).toBe(429);

    const proxied = await startServer({
      store,
      env: { HTTP_LOOKUPS_PER_MINUTE: '1', TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1' },
    });
    expect((await lookup(proxied.url, 'stats', from('203.0.113.1'))).status).toBe(200);
    expect((await lookup(proxied.url, 'stats', from('203.0.113.1'))).status).toBe(429);
    expect((await lookup(proxied.url, 'stats', from('203.0.113.1, 10.1.2.3'))).status).toBe(429);
    expect((await lookup(proxied.url, 'stats', from('203.0.113.2'))).status).toBe(200);
  });

  it('counts uploads per minute and the image bytes an address has stored', async () => {
    const clock = testClock(Date.now());
    const proxy = { TRUSTED_PROXIES: '127.0.0.1' };
    const png = await makeImage('png');
    const limited = await startServer({ store, clock: clock.now, env: { HTTP_UPLOADS_PER_MINUTE: '1' } });
    expect((await upload(limited.url, png)).status).toBe(200);
    const second = await upload(limited.url, png);
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe('RATE_LIMITED');

    // A few of these images per address (they shrink once scrubbed); each address has its own.
    const env = {
      ...proxy,
      MAX_UPLOAD_BYTES: String(png.length * 2),
      MAX_IMAGE_BYTES_PER_ADDRESS: String(png.length * 3),
    };
    const { url } = await startServer({ store, clock: clock.now, env });
    let stored = 0;
    let refused = await uploadFrom(url, png, '203.0.113.5');
    while (refused.status === 200 && stored < 50) {
      stored++;
      refused = await uploadFrom(url, png, '203.0.113.5');
    }
    expect(stored).toBeGreaterThanOrEqual(3);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    // Stored bytes free up when the images expire (a day by default).
    expect(refused.body.error.retryAfterMs).toBeGreaterThan(3_600_000);
    expect((await uploadFrom(url, png, '203.0.113.6')).status).toBe(200);
  });
});

describe.runIf(storeKinds().includes('redis'))('total image bytes across nodes', () => {
  it('answers STORAGE_FULL on one node once images sent to another filled MAX_UPLOAD_BYTES_TOTAL', async () => {
    const png = await makeImage('png');
    const env = { MAX_UPLOAD_BYTES: String(png.length * 2), MAX_UPLOAD_BYTES_TOTAL: String(png.length * 4) };
    const first = await startServer({ store: 'redis', env });
    const second = await startServer({ store: 'redis', env, prefix: first.prefix! });
    const image = { roomToken: 'IMG-TOT-001', imageData: { name: 'a.png', blob: png } };
    const filler = await joinedClient(first.url, 'IMG-TOT-001', 'Filler');
    let stored = 0;
    while ((await request(filler, 'send-image', image)).ok && stored < 50) stored++;
    expect(stored).toBeGreaterThanOrEqual(2);
    const other = await joinedClient(second.url, 'IMG-TOT-001', 'Other');
    expect(await refused(request(other, 'send-image', image))).toMatchObject({ code: 'STORAGE_FULL' });
  });
});

async function uploadFrom(url: string, bytes: Buffer, address: string) {
  const form = new FormData();
  form.append('image', new Blob([bytes], { type: 'image/png' }), 'photo.png');
  const response = await fetch(`${url}/api/upload-image`, {
    method: 'POST',
    body: form,
    headers: { 'x-forwarded-for': address },
  });
  return { status: response.status, body: (await response.json()) as any };
}
