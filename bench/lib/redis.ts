import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { freePort } from './servers.js';

export interface BenchRedis {
  url: string;
  /** The redis-server's pid when the bench started it (its CPU is reported too), else null. */
  pid: number | null;
  version: string;
  /** A fresh key prefix for one GhostChat server. */
  newPrefix(): string;
  /** Deletes every key the bench wrote; stops the private server if the bench started one. */
  close(): Promise<void>;
}

async function connect(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const client = await connect(url);
      await client.ping();
      await client.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis at ${url} did not answer`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function serverVersion(url: string): Promise<string> {
  const client = await connect(url);
  const info = await client.info('server');
  await client.close();
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}

/**
 * A Redis for the run. By default a private `redis-server --save ''` on a free loopback port,
 * stopped afterwards; with `externalUrl`, that server under bench-only prefixes that are deleted
 * afterwards (never FLUSH: it may be shared).
 */
export async function openBenchRedis(externalUrl?: string): Promise<BenchRedis> {
  const run = randomBytes(4).toString('hex');
  const prefixes: string[] = [];
  const newPrefix = () => {
    const prefix = `ghostchat-bench:${run}:${prefixes.length}:`;
    prefixes.push(prefix);
    return prefix;
  };
  if (externalUrl) {
    await waitForPing(externalUrl, 3000);
    return {
      url: externalUrl,
      pid: null,
      version: await serverVersion(externalUrl),
      newPrefix,
      close: () => dropPrefixes(externalUrl, prefixes),
    };
  }
  const binary = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!binary) throw new Error('redis-server is not installed; pass --redis-url or --no-redis');
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitForPing(url, 10_000);
  return {
    url,
    pid: child.pid!,
    version: await serverVersion(url),
    newPrefix,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function dropPrefixes(url: string, prefixes: string[]): Promise<void> {
  const client = await connect(url);
  for (const prefix of prefixes) {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys);
    }
  }
  await client.close();
}
