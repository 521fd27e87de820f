import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

// Shared by the tests and the benchmark (bench/ imports it): nothing here may import vitest.

export function redisServerBinary(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      await client.close();
      return;
    } catch {
      client.destroy();
      if (Date.now() > deadline) throw new Error(`redis at ${url} did not answer`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface PrivateRedisOptions {
  /**
   * Keep every write on disk (append-only file, fsync'd on each write) in a directory of its own,
   * so a killed and restarted server comes back with its data, as a persistent deployment would.
   * Without it the server keeps nothing: a restart comes back empty.
   */
  persist?: boolean;
  /** More redis-server options (e.g. `--maxmemory 4mb`). */
  args?: string[];
}

/**
 * A throwaway redis-server on a free port, for tests that stop or restart Redis. Never the
 * machine's shared one.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly binary: string,
    /** The data directory of a persistent server; null when it keeps nothing. */
    readonly dir: string | null,
    private readonly args: string[] = [],
  ) {}

  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const binary = redisServerBinary();
    if (!binary) throw new Error('redis-server is not installed');
    const dir = options.persist ? mkdtempSync(join(tmpdir(), 'ghostchat-redis-')) : null;
    const redis = new PrivateRedis(await freePort(), binary, dir, options.args ?? []);
    await redis.start();
    return redis;
  }

  /** The server's process id while it runs (the benchmark reports its CPU). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const persistence = this.dir
      ? ['--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    this.child = spawn(
      this.binary,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        ...persistence,
        '--daemonize',
        'no',
        ...this.args,
      ],
      { stdio: 'ignore' },
    );
    await waitForPing(this.url, 10_000);
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing is answered, like a hung host. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kills the server (SIGKILL: like a crash). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** Kills the server and deletes its data directory (a persistent one); the end of its life. */
export async function discardRedis(redis: PrivateRedis): Promise<void> {
  await redis.stop();
  if (redis.dir) rmSync(redis.dir, { recursive: true, force: true });
}

/** Deletes every key under `prefix` (never FLUSH: the server may be shared). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    if (keys.length > 0) await client.del(keys);
  }
  await client.close();
}
