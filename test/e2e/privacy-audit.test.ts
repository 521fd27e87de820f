import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from 'redis';
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { afterThisTest } from '../helpers/cleanup.js';
import { eventually, nextEvent, request, requestUntyped } from '../helpers/client.js';
import { http } from '../helpers/http.js';
import { fetchImage, makeImage, upload } from '../helpers/images.js';
import { captureServerLog } from '../helpers/log-capture.js';
import { rawHttp } from '../helpers/raw-http.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { keyTtls, storeKinds } from '../helpers/stores.js';

const ROOM = 'PRI-VAC-Y42';
const NAMES = ['Zelda-Secret', 'Link-Hidden'];
const TEXT = 'the eagle lands at midnight';
const BURNING = 'read this once then it burns';
const CAPTION = 'caption of the holiday photo';
const IMAGE_NAME = 'holiday-at-the-lake.png';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const COOKIE = 'session=cookie-secret-value-42';

/** A client that sends a cookie and an Origin-less handshake, as a script might. */
async function member(url: string, agentId: string) {
  const socket = connect(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { cookie: COOKIE },
  });
  afterThisTest(() => socket.disconnect());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  expect((await request(socket, 'join-room', { roomToken: ROOM, agentId })).ok).toBe(true);
  return socket;
}

/** Join, chat, burn, images both ways, history, stats, every kind of refusal, leave. */
async function fullSession(running: RunningServer, png: Buffer) {
  const { url } = running;
  const [zelda, link] = [await member(url, NAMES[0]!), await member(url, NAMES[1]!)];
  await request(zelda, 'send-message', { roomToken: ROOM, message: TEXT, ttl: 1 });
  await request(link, 'send-message', { roomToken: ROOM, message: BURNING, ttl: 0 });
  const sent = await request(zelda, 'send-image', {
    roomToken: ROOM,
    imageData: { name: IMAGE_NAME, blob: png },
    caption: CAPTION,
    ttl: 2,
  });
  expect(sent.ok).toBe(true);
  const uploaded = await upload(url, png, { filename: IMAGE_NAME, ttl: 2 });
  expect(uploaded.status).toBe(200);
  const history = await http(`${url}/api/room/${ROOM}/messages?limit=2`, { headers: { cookie: COOKIE } });
  await http(`${url}/api/room/${ROOM}/messages?before=${history.body.before}`);
  await http(`${url}/api/room/${ROOM}/stats`);
  for (const m of history.body.messages) if (m.type === 'image') await fetchImage(url, m.imageData.imageUrl);
  await fetch(`${url}${uploaded.body.imageUrl}`, { method: 'HEAD' });
  await http(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  await http(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });

  // Refusals of every kind, each carrying something private.
  await request(zelda, 'join-room', { roomToken: ROOM, agentId: `\u202e${NAMES[0]}` });
  await request(zelda, 'send-message', { roomToken: 'PRI-VAC-Y43', message: TEXT });
  await requestUntyped(zelda, 'send-message', { roomToken: ROOM, message: 42 });
  await request(zelda, 'send-image', {
    roomToken: ROOM,
    imageData: { name: IMAGE_NAME, data: 'data:x' },
    caption: CAPTION,
  });
  const get = (target: string) =>
    `GET ${target} HTTP/1.1\r\nHost: localhost\r\nCookie: ${COOKIE}\r\nConnection: close\r\n\r\n`;
  await rawHttp(url, get(`/api/room/${ROOM}%zz/stats`));
  await rawHttp(url, get(`/api/room/${ROOM}${'A'.repeat(20_000)}/messages`));
  await rawHttp(url, get(`/api/room/${ROOM}${'B'.repeat(150)}/stats`));
  await rawHttp(
    url,
    `POST /api/upload-image?room=${ROOM} HTTP/1.1\r\nHost: localhost\r\nCookie: ${COOKIE}\r\nContent-Type: multipart/form-data\r\nContent-Length: 4\r\n\r\n${TEXT.slice(0, 4)}`,
  );
  await rawHttp(url, `${ROOM} ${TEXT}\r\n\r\n`);

  const left = nextEvent(zelda, 'participant-left');
  await request(link, 'leave-room', { roomToken: ROOM });
  await left;
  zelda.disconnect();
  link.disconnect();
}

/** Every file under `dir`, at any depth. */
async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}

describe.each(storeKinds())('privacy audit on %s', (store) => {
  it('logs nothing private at trace, and keeps nothing once the session has expired', async () => {
    const captured = captureServerLog('trace');
    const env = { METRICS_TOKEN, EXPIRY_POLL_MS: '20', BURN_AFTER_READ_SECONDS: '1', LOG_LEVEL: 'trace' };
    const running = await startServer({ store, env, log: captured.log });
    const png = await makeImage('png', { width: 97, height: 61 });
    await fullSession(running, png);

    const secrets = [ROOM, ...NAMES, TEXT, BURNING, CAPTION, IMAGE_NAME, METRICS_TOKEN, COOKIE, 'cookie-secret-value'];
    const lines = captured.text().split('\n');
    // As text, and as the byte arrays a logged Buffer turns into (Fastify's `rawPacket`).
    const asBytes = (text: string) => [...Buffer.from(text)].join(',');
    for (const secret of secrets) {
      expect(
        lines.filter((line) => line.includes(secret) || line.includes(asBytes(secret))),
        secret,
      ).toEqual([]);
    }
    const imageBytes = [png.toString('base64').slice(16, 48), png.toString('hex').slice(32, 96)];
    for (const bytes of imageBytes) expect(captured.text()).not.toContain(bytes);
    // Client addresses: no line but the start-up line (the interface bound) names one.
    const addressed = captured.lines.filter(
      (l) => l.event !== 'listening' && /127\.0\.0\.1|::1|remoteAddress|remotePort/.test(JSON.stringify(l)),
    );
    expect(addressed).toEqual([]);
    expect(captured.lines.some((l) => l.level === 10)).toBe(true);

    // Everything has expired (1-2 s TTLs, the burn 1 s after reading): nothing of it remains.
    const dir = running.config.media.uploadDir;
    await eventually(async () => (await filesUnder(dir)).length === 0, 15_000);
    if (running.prefix) {
      const { url } = running.config.redis!;
      await eventually(async () => {
        const keys = [...(await keyTtls(url, running.prefix!)).keys()];
        // The node's own keys, and the day's salt addresses were hashed under (random: it names nobody).
        const leftover = (key: string) => key.startsWith('node:') || key.startsWith('address-salt:');
        return keys.every((key) => ['nodes', 'expiry', 'image-expiry'].includes(key) || leftover(key));
      }, 15_000);
      const client = createClient({ url });
      await client.connect();
      afterThisTest(() => client.close());
      const dumped: string[] = [];
      for await (const keys of client.scanIterator({ MATCH: `${running.prefix}*` })) {
        // DUMP's serialisation, read as text: a plain copy of anything would show in it.
        for (const key of keys) dumped.push(`${key} ${await client.sendCommand<string>(['DUMP', key])}`);
      }
      for (const secret of [ROOM, ...NAMES, TEXT, BURNING, CAPTION, IMAGE_NAME]) {
        expect(
          dumped.filter((d) => d.includes(secret)),
          secret,
        ).toEqual([]);
      }
    }
  }, 60_000);
});
