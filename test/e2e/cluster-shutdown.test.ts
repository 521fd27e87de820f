import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { afterThisTest } from '../helpers/cleanup.js';
import { clientOnWorker, startCluster } from '../helpers/cluster.js';
import { eventually, nextEvent, request, type Client, openPollingClient } from '../helpers/client.js';
import { makeImage, MULTIPART_TAIL, multipartHead, rawUpload } from '../helpers/images.js';
import { childPids, isRunning } from '../helpers/process-tree.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { spawnServer } from '../helpers/process.js';

const ROOM = 'BYE-BYE-R01';

describe('WORKERS without Redis', () => {
  it('is a configuration error: exit 78 with a line that says what to set', async () => {
    const proc = await spawnServer({ WORKERS: '2' }, { waitReady: false });
    afterThisTest(() => proc.kill());
    expect(await proc.exited).toBe(78);
    expect(proc.output()).toContain(
      'Invalid configuration: WORKERS: 2 workers need Redis (set REDIS_URL or REDIS_HOST)',
    );
  });
});

describe.runIf(redisServerBinary() !== null)('SIGTERM to the primary of two workers', () => {
  it(
    'drains every worker: clients are told, an upload in flight is answered, all exit 0',
    { timeout: 180_000 },
    async () => {
      const { nodes } = await startCluster({ nodes: 1, workers: 2, env: { SHUTDOWN_TIMEOUT_MS: '8000' } });
      const node = nodes[0]!;
      const workers = node.workerPids();
      const clients: Client[] = [];
      for (const pid of workers) clients.push(await clientOnWorker(node, pid));
      clients.push(await openPollingClient(node.url));
      for (const [i, client] of clients.entries()) {
        expect((await request(client, 'join-room', { roomToken: ROOM, agentId: `Ghost-${i}` })).ok).toBe(true);
      }
      // An upload whose body is only half there when shutdown begins.
      const image = await makeImage('png');
      const head = multipartHead();
      const upload = rawUpload(node.url, { 'content-length': head.length + image.length + MULTIPART_TAIL.length });
      upload.request.write(head);
      upload.request.write(image.subarray(0, 16));
      // Give the worker the time to take the request: nothing observable to wait for.
      await new Promise((r) => setTimeout(r, 300));

      const told = clients.map((c) => nextEvent(c, 'server-shutdown', 8000));
      node.stop('SIGTERM').catch(() => undefined);
      for (const notice of await Promise.all(told)) expect(notice).toEqual({ reason: 'shutdown', reconnect: true });
      upload.request.end(Buffer.concat([image.subarray(16), MULTIPART_TAIL]));
      const answered = await upload.response;
      expect(answered.status).toBe(200);
      expect(JSON.parse(answered.body)).toMatchObject({ success: true, mimeType: 'image/png' });

      expect(await node.exited).toBe(0);
      for (const pid of workers) expect(isRunning(pid)).toBe(false);
      const shutdowns = node.lines().filter((l) => l.event === 'shutdown');
      // The primary's line and one of each worker's.
      expect(shutdowns.map((l) => l.worker ?? 'primary').sort()).toEqual(['primary', 1, 2].sort());
    },
  );

  it(
    'exits 1 at SHUTDOWN_TIMEOUT_MS when a worker cannot finish, leaving no worker behind',
    { timeout: 180_000 },
    async () => {
      const { nodes, redis } = await startCluster({ nodes: 1, workers: 2, env: { SHUTDOWN_TIMEOUT_MS: '1500' } });
      const node = nodes[0]!;
      const workers = childPids(node.pid);
      expect(workers).toHaveLength(2);
      const client = await clientOnWorker(node, node.workerPids()[0]!);
      expect((await request(client, 'join-room', { roomToken: ROOM, agentId: 'Stuck' })).ok).toBe(true);
      // Redis holds every write: the message this client sends cannot finish, so neither can its worker's drain.
      const admin = createClient({ url: redis.url });
      admin.on('error', () => {});
      await admin.connect();
      await admin.sendCommand(['CLIENT', 'PAUSE', '20000', 'WRITE']);
      await admin.close();
      void request(client, 'send-message', { roomToken: ROOM, message: 'stuck' }, 30_000).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));

      const started = Date.now();
      node.stop('SIGTERM').catch(() => undefined);
      expect(await node.exited).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(Date.now() - started).toBeLessThan(6000);
      expect(node.output()).toContain('shutdown-timeout');
      // The primary killed what was left as it exited: no worker lives on without it.
      await eventually(() => workers.every((pid) => !isRunning(pid)), 5000);
    },
  );
});
