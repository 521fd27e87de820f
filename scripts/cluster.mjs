// `npm run cluster`: two local GhostChat nodes of two workers each on one Redis, to try scaling out.
// Node 1 listens on 3001 and node 2 on 3002 (or the two ports given: `npm run cluster -- 4001 4002`).
// With REDIS_URL set, both use that Redis; otherwise a private redis-server (Debian's `redis-server`
// package) is started on a free port, keeping nothing on disk, and stopped with the nodes. Images are
// kept in Redis (MEDIA_STORE=redis) and each node stages uploads in a temporary directory of its own,
// removed when it stops: the nodes share nothing but Redis, as separate machines would. Ctrl-C stops
// everything. Each node runs as `npm start` would (scripts/start.mjs), with .env read as usual.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ports = process.argv.slice(2).map(Number);
const [port1, port2] = ports.length === 2 && ports.every((p) => Number.isInteger(p) && p > 0) ? ports : [3001, 3002];
const children = [];
let stopping = false;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function privateRedis() {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    process.stderr.write('cluster: set REDIS_URL, or install redis-server (e.g. apt-get install redis-server)\n');
    process.exit(1);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ghostchat-cluster-redis-'));
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    // Its own process group: Ctrl-C reaches the nodes, which drain while Redis still answers.
    { stdio: 'ignore', detached: true },
  );
  children.push(redis);
  redis.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  process.stdout.write(`cluster: private redis-server on 127.0.0.1:${port}\n`);
  return `redis://127.0.0.1:${port}`;
}

/** Starts one node and resolves once it logs that it listens (the first one also builds dist/ if needed). */
function startNode(name, port, redisUrl) {
  const uploadDir = mkdtempSync(join(tmpdir(), `ghostchat-cluster-${name}-`));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
      cwd: root,
      env: {
        WORKERS: '2',
        ...process.env,
        PORT: String(port),
        REDIS_URL: redisUrl,
        NODE_ENV: 'production',
        MEDIA_STORE: 'redis',
        UPLOAD_DIR: uploadDir,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    child.once('exit', () => rmSync(uploadDir, { recursive: true, force: true }));
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        process.stdout.write(`[${name}] ${line}\n`);
        if (line.includes('"event":"listening"')) resolve();
      }
    });
    child.once('exit', (code) => {
      if (!stopping) {
        process.stderr.write(`cluster: ${name} exited (${code}); stopping\n`);
        stop(1);
      }
      reject(new Error(`${name} exited`));
    });
  });
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  // Nodes first (each drains its workers), Redis last.
  const nodes = children.filter((c) => c.spawnfile !== 'redis-server');
  const redis = children.filter((c) => c.spawnfile === 'redis-server');
  const exited = (child) =>
    child.exitCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        });
  Promise.all(nodes.map(exited))
    .then(() => Promise.all(redis.map(exited)))
    .then(() => process.exit(code));
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const redisUrl = process.env.REDIS_URL || (await privateRedis());
await startNode('node-1', port1, redisUrl);
await startNode('node-2', port2, redisUrl);
process.stdout.write(
  `cluster: two nodes of ${process.env.WORKERS ?? 2} workers on one Redis: http://localhost:${port1} and http://localhost:${port2}` +
    ' (open a room on one and its link on the other; images are kept in Redis). Ctrl-C stops them.\n',
);
