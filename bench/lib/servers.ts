import WebSocket from 'ws';
// The same process and free-port helpers the tests use (plain modules: they import nothing from vitest).
import { HIGH_CLIENT_LIMITS } from '../../test/helpers/client-limits-env.js';
import { spawnNode, waitUntilReady } from '../../test/helpers/node-process.js';
import { childPids } from '../../test/helpers/process-tree.js';
import { freePort } from '../../test/helpers/redis-server.js';
import type { ServerEntries } from './build.js';
import { SOCKET_PATH } from './wire.js';

export type ServerKind = 'baseline' | 'memory' | 'redis';

export interface ServerProcess {
  kind: ServerKind;
  pid: number;
  /** Its process and, with WORKERS > 1, its workers: what its CPU and memory are summed over. */
  pids(): number[];
  url: string;
  /** The first lines the server wrote to stderr (warnings, crashes), for the report. */
  stderr(): string[];
  stop(): Promise<void>;
}

export interface StartServerOptions {
  /** The compiled entries of GhostChat and the baseline (lib/build.ts). */
  entries: ServerEntries;
  redisUrl?: string;
  redisPrefix?: string;
  /** Extra env for the server process (e.g. DEFAULT_TTL for GhostChat). */
  env?: Record<string, string>;
  /** Directory to write a V8 CPU profile to (`--cpu-prof`); written when the server exits. */
  cpuProfileDir?: string;
  /** Extra node flags, the same for GhostChat and the baseline. */
  nodeFlags?: string[];
}

/** SIGTERM lets GhostChat shut down cleanly (which also writes a CPU profile); SIGKILL after this. */
const STOP_GRACE_MS = 15_000;

/**
 * Starts GhostChat (its built dist/main.js, configured through env exactly as a user would) or the
 * baseline relay as its own node process, and resolves once a socket.io handshake succeeds.
 */
export async function startServer(kind: ServerKind, options: StartServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const entry = kind === 'baseline' ? options.entries.baseline : options.entries.ghostchat;
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    // The generators' thousands of clients all come from 127.0.0.1: the limits stay on, out of reach
    // (a scenario about limits sets its own).
    ...(kind === 'baseline' ? {} : HIGH_CLIENT_LIMITS),
    ...options.env,
  };
  if (kind === 'redis') {
    if (!options.redisUrl || !options.redisPrefix) throw new Error('redis server needs redisUrl and redisPrefix');
    env.REDIS_URL = options.redisUrl;
    env.REDIS_PREFIX = options.redisPrefix;
  }
  const nodeFlags = [...(options.nodeFlags ?? [])];
  // BENCH_SERVER_PROF=<dir> profiles every server of the run (a scenario --profile does not cover).
  const profileDir =
    options.cpuProfileDir ?? (process.env.BENCH_SERVER_PROF ? `${process.env.BENCH_SERVER_PROF}/${kind}` : undefined);
  if (profileDir) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const proc = spawnNode(entry, { env, nodeFlags });
  const url = `ws://127.0.0.1:${port}`;
  await waitUntilReady(proc, () => handshakes(url), 20_000);
  return {
    kind,
    pid: proc.pid,
    pids: () => [proc.pid, ...childPids(proc.pid)],
    url,
    stderr: () => proc.stderr().split('\n').filter(Boolean).slice(0, 50),
    stop: async () => {
      await proc.stop('SIGTERM', STOP_GRACE_MS);
    },
  };
}

/** Whether a raw WebSocket gets engine.io's open packet from `url`. */
function handshakes(url: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const ws = new WebSocket(url + SOCKET_PATH);
    const done = (value: boolean) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(value);
    };
    const timer = setTimeout(() => done(false), 1000);
    ws.on('message', (data: Buffer) => done(data[0] === 0x30));
    ws.on('error', () => done(false));
  });
}
