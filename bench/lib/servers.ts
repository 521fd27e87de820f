import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort } from '../../test/helpers/redis-server.js';
import { SOCKET_PATH } from './wire.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export type ServerKind = 'baseline' | 'memory' | 'redis';

export interface ServerProcess {
  kind: ServerKind;
  pid: number;
  url: string;
  /** Lines the server wrote to stderr (warnings, crashes), for the report. */
  stderr: string[];
  stop(): Promise<void>;
}

export interface StartServerOptions {
  redisUrl?: string;
  redisPrefix?: string;
  /** Extra env for the server process (e.g. DEFAULT_TTL for GhostChat). */
  env?: Record<string, string>;
  /** Directory to write a V8 CPU profile to (`--cpu-prof`); written when the server exits. */
  cpuProfileDir?: string;
  /** Extra node flags, the same for GhostChat and the baseline. */
  nodeFlags?: string[];
}

/**
 * Starts GhostChat (src/main.ts, configured through env exactly as a user would) or the baseline
 * relay as its own node process, and resolves once a socket.io handshake succeeds.
 */
export async function startServer(kind: ServerKind, options: StartServerOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const entry = kind === 'baseline' ? 'bench/baseline-server.ts' : 'src/main.ts';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  if (kind === 'redis') {
    if (!options.redisUrl || !options.redisPrefix) throw new Error('redis server needs redisUrl and redisPrefix');
    env.REDIS_URL = options.redisUrl;
    env.REDIS_PREFIX = options.redisPrefix;
  }
  const execArgv = ['--import', 'tsx', ...(options.nodeFlags ?? [])];
  if (options.cpuProfileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  const child = spawn(process.execPath, [...execArgv, entry], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 50)
      stderr.push(
        ...chunk
          .split('\n')
          .filter(Boolean)
          .slice(0, 50 - stderr.length),
      );
  });
  const url = `ws://127.0.0.1:${port}`;
  await waitForHandshake(url, child, 20_000);
  return {
    kind,
    pid: child.pid!,
    url,
    stderr,
    stop: () => stopChild(child),
  };
}

async function waitForHandshake(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(url + SOCKET_PATH);
      const done = (value: boolean) => {
        ws.terminate();
        resolve(value);
      };
      ws.on('message', (data: Buffer) => done(data[0] === 0x30));
      ws.on('error', () => done(false));
      setTimeout(() => done(false), 1000);
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server at ${url} did not answer a handshake within ${timeoutMs} ms`);
}

/** SIGTERM (GhostChat shuts down cleanly, which also writes a CPU profile), SIGKILL after 15 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
