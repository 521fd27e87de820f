import { describe, expect, it } from 'vitest';
import { afterThisTest } from '../helpers/cleanup.js';
import { eventually, joinedClient, openClient, request } from '../helpers/client.js';
import { http } from '../helpers/http.js';
import { fileBytes, makeImage, removeDir, tempUploadDir, upload } from '../helpers/images.js';
import { freePort } from '../helpers/redis-server.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const TOKEN = 'metrics-token-for-tests-0123456789';

/** The value of one sample line, e.g. `ghostchat_rooms 2` or `x_total{code="A"} 1`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('where /metrics is served', () => {
  let running: RunningServer;

  it('is not served at all without a token or a metrics port', async () => {
    running = await startServer();
    expect((await http(`${running.url}/metrics`)).status).toBe(404);
  });

  it('is served on the public port only with the bearer token', async () => {
    running = await startServer({ env: { METRICS_TOKEN: TOKEN } });
    const missing = await http(`${running.url}/metrics`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(missing.body.error.code).toBe('UNAUTHORIZED');
    const wrong = await http(`${running.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const right = await http(`${running.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(right.body).toContain('ghostchat_connections');
  });

  it('is served on METRICS_PORT and not on the public port', async () => {
    const port = await freePort();
    running = await startServer({ env: { METRICS_PORT: String(port) } });
    expect((await http(`${running.url}/metrics`)).status).toBe(404);
    const scraped = await http(`http://127.0.0.1:${port}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.body).toContain('process_cpu_user_seconds_total');
    expect(scraped.body).toContain('nodejs_eventloop_lag_seconds');
  });

  it('asks for the token on METRICS_PORT too when one is set', async () => {
    const port = await freePort();
    running = await startServer({ env: { METRICS_PORT: String(port), METRICS_TOKEN: TOKEN } });
    expect((await http(`${running.url}/metrics`)).status).toBe(404);
    expect((await http(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    const scraped = await http(`http://127.0.0.1:${port}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(scraped.status).toBe(200);
  });
});

describe.each(storeKinds())('metrics on %s', (store) => {
  let running: RunningServer;

  const scrape = async () =>
    (await http(`${running.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).body as string;

  it('counts connections, rooms, participants, messages sent, refused and expired', async () => {
    running = await startServer({ store, env: { METRICS_TOKEN: TOKEN, EXPIRY_POLL_MS: '20' } });
    const ghost = await joinedClient(running.url, 'ABC-123-XYZ', 'Ghost');
    await joinedClient(running.url, 'ABC-123-XYZ', 'Shadow');
    await joinedClient(running.url, 'DEF-456-UVW', 'Alone');
    const stranger = await openClient(running.url);

    expect((await request(ghost, 'send-message', { roomToken: 'ABC-123-XYZ', message: 'hi', ttl: 1 })).ok).toBe(true);
    const refused = await request(stranger, 'send-message', { roomToken: 'ABC-123-XYZ', message: 'hi' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });

    const text = await scrape();
    expect(sample(text, 'ghostchat_connections')).toBe(4);
    expect(sample(text, 'ghostchat_rooms')).toBe(2);
    expect(sample(text, 'ghostchat_participants')).toBe(3);
    expect(sample(text, 'ghostchat_store_up')).toBe(1);
    expect(sample(text, 'ghostchat_messages_sent_total{type="text"}')).toBe(1);
    expect(sample(text, 'ghostchat_socket_events_refused_total{event="send-message",code="NOT_A_MEMBER"}')).toBe(1);
    expect(text).toMatch(
      /ghostchat_store_operation_duration_seconds_count\{operation="messages.append",outcome="ok"\} 1/,
    );

    // Counts only: nothing that names a room, a participant or what they wrote.
    for (const secret of ['ABC-123-XYZ', 'DEF-456-UVW', 'Ghost', 'Shadow', 'Alone']) expect(text).not.toContain(secret);

    // The message had a 1 s TTL: once it expires, the counter and the lag histogram move.
    await expect
      .poll(async () => sample(await scrape(), 'ghostchat_messages_expired_total'), { timeout: 5000 })
      .toBe(1);
    expect(sample(await scrape(), 'ghostchat_expiry_lag_seconds_count')).toBe(1);
  });

  it('counts images stored and their bytes', async () => {
    running = await startServer({ store, env: { METRICS_TOKEN: TOKEN } });
    const uploaded = await upload(running.url, await makeImage('png'));
    expect(uploaded.status).toBe(200);
    const text = await scrape();
    expect(sample(text, 'ghostchat_images_stored_total')).toBe(1);
    expect(sample(text, 'ghostchat_image_bytes_stored_total')).toBeGreaterThan(0);
    expect(text).toMatch(/ghostchat_store_operation_duration_seconds_count\{operation="images.put",outcome="ok"\} 1/);
  });
});

describe.runIf(storeKinds().includes('redis'))('ghostchat_media_stored_bytes on nodes sharing one UPLOAD_DIR', () => {
  it('is what the directory holds on every node, whichever node stored or deleted the image', async () => {
    const dir = await tempUploadDir();
    afterThisTest(() => removeDir(dir));
    const env = { METRICS_TOKEN: TOKEN, MEDIA_STORE: 'local', UPLOAD_DIR: dir };
    const a = await startServer({ store: 'redis', env });
    const b = await startServer({ store: 'redis', prefix: a.prefix!, env });
    const stored = async (node: RunningServer) => {
      const text = (await http(`${node.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).body;
      return sample(text as string, 'ghostchat_media_stored_bytes');
    };
    expect(await stored(a)).toBe(0);
    expect(await stored(b)).toBe(0);

    const uploaded = await upload(a.url, await makeImage('png'));
    expect(uploaded.status).toBe(200);
    const onDisk = (await fileBytes(dir, uploaded.body.filename)).length;
    // b never wrote it, yet it is in the directory b serves from.
    await eventually(async () => (await stored(b)) === onDisk, 15_000);
    await eventually(async () => (await stored(a)) === onDisk, 15_000);

    expect((await http(`${b.url}/api/image/${uploaded.body.imageId}`, { method: 'DELETE' })).status).toBe(200);
    // a never deleted it, yet it is gone from the directory a serves from.
    await eventually(async () => (await stored(a)) === 0, 15_000);
    await eventually(async () => (await stored(b)) === 0, 15_000);
  });
});
