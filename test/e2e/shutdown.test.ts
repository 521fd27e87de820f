import { createConnection } from 'node:net';
import { createClient } from 'redis';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { makeImage } from '../helpers/images.js';
import {
  asText,
  closeAllClients,
  joinedClient,
  nextEvent,
  openClient,
  request,
  type Client,
} from '../helpers/client.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { PrivateRedis } from '../helpers/redis-server.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

/** Makes Redis hold every write for `ms`, as a slow or overloaded store would. */
async function pauseWrites(url: string, ms: number): Promise<void> {
  const admin = createClient({ url });
  admin.on('error', () => {});
  await admin.connect();
  await admin.sendCommand(['CLIENT', 'PAUSE', String(ms), 'WRITE']);
  await admin.close();
}

const disconnectReason = (client: Client) =>
  new Promise<string>((resolve) => client.once('disconnect', (reason) => resolve(reason)));

describe('SIGTERM on a real process', () => {
  let proc: ServerProcess | undefined;
  afterEach(async () => {
    closeAllClients();
    await proc?.kill();
    proc = undefined;
  });

  it('tells clients to reconnect, closes their transport and exits 0 well within the bound', async () => {
    proc = await spawnServer({ SHUTDOWN_TIMEOUT_MS: '5000' });
    const client = await joinedClient(proc.url, 'ABC-123-XYZ', 'Ghost');
    expect((await request(client, 'send-message', { roomToken: 'ABC-123-XYZ', message: 'very secret words' })).ok).toBe(
      true,
    );
    const told = nextEvent(client, 'server-shutdown');
    const reason = disconnectReason(client);
    const started = Date.now();
    proc.child.kill('SIGTERM');

    expect(await told).toEqual({ reason: 'shutdown', reconnect: true });
    // Not "io server disconnect": that one tells a socket.io client NOT to reconnect.
    expect(await reason).toBe('transport close');
    expect(await proc.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);

    const lines = proc.output().trim().split('\n');
    // Production logs are JSON, one object per line, and never carry what users wrote.
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.some((l) => JSON.parse(l).event === 'shutdown')).toBe(true);
    expect(proc.output()).not.toContain('very secret words');
  });
  it('tells polling clients too, and does not wait for polling clients that have gone', async () => {
    proc = await spawnServer({ SHUTDOWN_TIMEOUT_MS: '5000' });
    const poll = () => connect(proc!.url, { transports: ['polling'], reconnection: false, forceNew: true });
    const connected = (socket: Socket) => new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const live = poll();
    const gone = [poll(), poll()];
    await Promise.all([live, ...gone].map(connected));
    // They leave just as shutdown begins, with nothing left to poll for the notice.
    for (const socket of gone) socket.disconnect();
    const told = nextEvent(live, 'server-shutdown');
    proc.child.kill('SIGTERM');
    expect(await told).toEqual({ reason: 'shutdown', reconnect: true });
    // Without a bound on the wait for the gone ones, the drain would hit SHUTDOWN_TIMEOUT_MS: exit 1.
    expect(await proc.exited).toBe(0);
    live.disconnect();
  });
});

describe('connections that never sent a request', () => {
  it('are closed by shutdown instead of holding it until the headers timeout', async () => {
    // Browsers open spare connections ahead of need; one that never carries a request must not
    // keep the server from closing for Node's minute of headers timeout.
    const running = await startServer();
    const { port } = new URL(running.url);
    const spare = createConnection({ host: '127.0.0.1', port: Number(port) });
    await new Promise<void>((resolve) => spare.once('connect', () => resolve()));
    const closedByServer = new Promise<void>((resolve) => spare.once('close', () => resolve()));
    await running.close();
    await closedByServer;
    expect(spare.destroyed).toBe(true);
  });
});

describe('draining an upload in flight', () => {
  it('answers an upload that was streaming when shutdown began, then stops', async () => {
    const server = await startServer();
    const image = await makeImage('png');
    const boundary = 'ghostchat-test-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    let finish!: () => void;
    let started!: () => void;
    const firstPartSent = new Promise<void>((resolve) => (started = resolve));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(head);
        controller.enqueue(image.subarray(0, 16));
        started();
        // The rest of the image arrives only after shutdown has begun.
        await new Promise<void>((resolve) => (finish = resolve));
        controller.enqueue(image.subarray(16));
        controller.enqueue(tail);
        controller.close();
      },
    });
    const response = fetch(`${server.url}/api/upload-image`, {
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: 'half',
    });
    await firstPartSent;
    // Give the server the time to receive the first bytes: nothing observable to wait for.
    await new Promise((r) => setTimeout(r, 100));
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    finish();
    const answered = await response;
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ success: true, mimeType: 'image/png' });
    await closing;
  });
});

describe.runIf(storeKinds().includes('redis'))('draining with work in flight (Redis)', () => {
  let redis: PrivateRedis | undefined;
  let running: RunningServer | undefined;
  let proc: ServerProcess | undefined;
  afterEach(async () => {
    closeAllClients();
    await proc?.kill();
    await running?.close();
    await redis?.stop();
    proc = running = redis = undefined;
  });

  it('finishes a message already accepted, refuses new events and connections, then stops', async () => {
    redis = await PrivateRedis.start();
    const server = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true });
    const ghost = await joinedClient(server.url, 'ABC-123-XYZ', 'Ghost');
    const shadow = await joinedClient(server.url, 'ABC-123-XYZ', 'Shadow');
    const delivered = nextEvent(shadow, 'new-message');

    await pauseWrites(redis.url, 600);
    const inFlight = request(ghost, 'send-message', { roomToken: 'ABC-123-XYZ', message: 'sent before SIGTERM' });
    // The server has the event once the store is waiting on it; nothing to await for that but time.
    await new Promise((r) => setTimeout(r, 100));
    const closing = server.close();

    const late = await request(shadow, 'send-message', { roomToken: 'ABC-123-XYZ', message: 'too late' });
    expect(late).toMatchObject({ ok: false, error: { code: 'SHUTTING_DOWN' } });
    expect(await inFlight).toMatchObject({ ok: true, messageId: expect.any(String) });
    expect(asText(await delivered).message).toBe('sent before SIGTERM');
    await expect(openClient(server.url)).rejects.toThrow();
    await closing;
  });

  it('exits non-zero at SHUTDOWN_TIMEOUT_MS when the store never lets the drain finish', async () => {
    redis = await PrivateRedis.start();
    proc = await spawnServer({
      SHUTDOWN_TIMEOUT_MS: '1000',
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'ghostchat-shutdown:',
    });
    const ghost = await joinedClient(proc.url, 'ABC-123-XYZ', 'Ghost');
    await pauseWrites(redis.url, 10_000);
    void request(ghost, 'send-message', { roomToken: 'ABC-123-XYZ', message: 'stuck' }, 20_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(proc.output()).toContain('shutdown-timeout');
  });
});
