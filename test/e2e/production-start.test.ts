import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fetchImage, filesIn, makeImage, upload } from '../helpers/images.js';
import { freePort } from '../helpers/redis-server.js';

/**
 * `npm start` (scripts/start.mjs) in copies of the repository: a fresh clone, which must build
 * itself, and a production install of a built tree (`npm ci --omit=dev`), which must run without
 * TypeScript. The production install is imitated from package-lock.json: only packages not marked
 * `dev` are linked into its node_modules.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const trees: string[] = [];
const servers: Started[] = [];
const BUILD_TIMEOUT_MS = 90_000;

function tree(name: string, parts: string[], nodeModules: 'all' | 'production'): string {
  const dir = mkdtempSync(join(tmpdir(), `ghostchat-${name}-`));
  trees.push(dir);
  for (const part of parts) cpSync(join(root, part), join(dir, part), { recursive: true });
  if (nodeModules === 'all') {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  }
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (entry.dev || !/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path)) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    symlinkSync(join(root, path), join(dir, path));
  }
  return dir;
}

interface Started {
  exit: Promise<number | null>;
  output: () => string;
  stop: () => Promise<number | null>;
}

/** `node scripts/start.mjs` (or another script) in `dir`, with a PATH that holds no TypeScript and no npm scripts. */
function start(dir: string, env: Record<string, string>, script = ['scripts/start.mjs']): Started {
  const child = spawn(process.execPath, script, {
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', NODE_ENV: 'production', HOST: '127.0.0.1', UPLOAD_DIR: join(dir, 'uploads'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const started: Started = {
    exit,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exit;
    },
  };
  servers.push(started);
  return started;
}

/** Resolves with /livez's status once the server answers; rejects if the process exits first. */
async function livez(server: Started, port: number, timeoutMs: number): Promise<number> {
  const exited = server.exit.then((code) => {
    throw new Error(`exited (${code}) before serving:\n${server.output()}`);
  });
  const answered = (async () => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const status = await fetch(`http://127.0.0.1:${port}/livez`).then(
        (r) => r.status,
        () => null,
      );
      if (status !== null) return status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no answer on /livez within ${timeoutMs} ms:\n${server.output()}`);
  })();
  return Promise.race([answered, exited]);
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

afterAll(() => {
  for (const dir of trees) rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  const sources = ['package.json', 'scripts', 'src', 'tsconfig.json', 'tsconfig.build.json', 'web'];
  let clone = '';

  it('builds dist/ in a fresh clone, then serves', { timeout: BUILD_TIMEOUT_MS }, async () => {
    clone = tree('clone', sources, 'all');
    const port = await freePort();
    const server = start(clone, { PORT: String(port) });
    expect(await livez(server, port, BUILD_TIMEOUT_MS)).toBe(200);
    expect(server.output()).toContain('dist/ is missing; building');
    expect(server.output()).toContain('dist/web/ is missing; building the page');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    expect(existsSync(join(clone, 'dist', 'main.js'))).toBe(true);
  });

  it('rebuilds when a source is newer than dist/', { timeout: BUILD_TIMEOUT_MS }, async () => {
    const builtAt = statSync(join(clone, 'dist', 'main.js')).mtimeMs;
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(clone, 'src', 'config.ts'), later, later);
    const port = await freePort();
    const server = start(clone, { PORT: String(port) });
    expect(await livez(server, port, BUILD_TIMEOUT_MS)).toBe(200);
    expect(server.output()).toContain('dist/ is older than src/; building');
    expect(await server.stop()).toBe(0);
    expect(statSync(join(clone, 'dist', 'main.js')).mtimeMs).toBeGreaterThan(builtAt);
  });

  it(
    "npm run cluster: two nodes on a private Redis serve each other's images, with nothing on a shared disk",
    { timeout: 60_000 },
    async () => {
      // Built already: the source the last test moved into the future is put back before the build.
      const past = new Date(statSync(join(clone, 'dist', 'main.js')).mtimeMs - 60_000);
      utimesSync(join(clone, 'src', 'config.ts'), past, past);
      const [port1, port2] = [await freePort(), await freePort()];
      const cluster = start(clone, { WORKERS: '1' }, ['scripts/cluster.mjs', String(port1), String(port2)]);
      const deadline = Date.now() + 45_000;
      while (!cluster.output().includes('cluster: two nodes')) {
        if (Date.now() > deadline || cluster.output().includes('exited')) throw new Error(cluster.output());
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const png = await makeImage('png');
      const uploaded = await upload(`http://127.0.0.1:${port1}`, png);
      expect(uploaded.status).toBe(200);
      const served = await fetchImage(`http://127.0.0.1:${port2}`, uploaded.body.imageUrl);
      expect(served.status).toBe(200);
      expect(served.bytes.length).toBe(uploaded.body.size);
      // The image went through Redis: the directory both nodes used to share holds nothing.
      const shared = join(clone, 'uploads');
      expect(existsSync(shared) ? await filesIn(shared) : []).toEqual([]);
      expect(await cluster.stop()).toBe(0);
    },
  );

  describe('after npm ci --omit=dev on a built tree', () => {
    let installed = '';
    const build = () => {
      installed = tree('production', ['package.json', 'scripts', 'src'], 'production');
      // Copied after src/, as a build is made after its sources.
      cpSync(join(clone, 'dist'), join(installed, 'dist'), { recursive: true });
    };

    it('runs without TypeScript, reads .env, and the environment wins over it', async () => {
      build();
      expect(existsSync(join(installed, 'node_modules', 'typescript'))).toBe(false);
      expect(existsSync(join(installed, 'node_modules', 'fastify'))).toBe(true);
      const [port, envFilePort] = [await freePort(), await freePort()];
      const token = 'token-from-the-env-file-0123456789';
      writeFileSync(join(installed, '.env'), `PORT=${envFilePort}\nMETRICS_TOKEN=${token}\n`);
      const server = start(installed, { PORT: String(port) });
      expect(await livez(server, port, 15_000)).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(metrics.status).toBe(200);
      // The page built with the tree is served; no esbuild is needed for that.
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
      expect(server.output()).not.toContain('building');
      expect(await server.stop()).toBe(0);
    });

    it('refuses to run a stale dist/ when it cannot rebuild, and says what to do', async () => {
      const later = new Date(Date.now() + 60_000);
      utimesSync(join(installed, 'src', 'main.ts'), later, later);
      const port = await freePort();
      const server = start(installed, { PORT: String(port) });
      expect(await server.exit).toBe(1);
      expect(server.output()).toContain('dist/ is older than src/ and TypeScript is not installed');
      expect(server.output()).toContain('npm run build');
      expect(
        await fetch(`http://127.0.0.1:${port}/livez`).then(
          () => 'answered',
          () => 'closed',
        ),
      ).toBe('closed');
    });
  });
});
