import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import type { Clock } from '../../src/lib/clock.js';
import { createGhostChat, type GhostChat } from '../../src/server.js';
import { afterThisTest } from './cleanup.js';
import { HIGH_CLIENT_LIMITS } from './client-limits-env.js';
import { dropPrefix, redisUrl, testPrefix, type StoreKind } from './stores.js';

export interface RunningServer {
  url: string;
  server: GhostChat;
  config: Config;
  /** The Redis key prefix this server uses (Redis only). */
  prefix: string | null;
  /** Stops the server and removes what it made; runs once, however often it is called. */
  close(): Promise<void>;
}

export interface StartOptions {
  store?: StoreKind;
  /** Extra environment variables, as a user would set them. */
  env?: Record<string, string>;
  /** Reuse a prefix (e.g. to restart a server on the same data). */
  prefix?: string;
  /** Another Redis than the run's shared one (e.g. a private one that a test kills). */
  redisUrl?: string;
  /** Keep the Redis keys on close (the test drops them itself). */
  keepData?: boolean;
  /** Where the server logs; silent (or TEST_LOG_LEVEL) unless a test captures it (log-capture.ts). */
  log?: Logger;
  /** The server's clock (a test of rates moves it rather than wait). */
  clock?: Clock;
  /** Listen on this port rather than a free one (a restart on the same address). */
  port?: number;
}

const tempUploadDir = () => mkdtempSync(join(tmpdir(), 'ghostchat-uploads-'));

/**
 * Builds GhostChat from env exactly as main.ts does and listens on a free port. Closed when the
 * test that started it finishes (an explicit `close()` before that is fine too).
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const store = options.store ?? 'memory';
  // A test that does not choose an upload directory gets a temporary one of its own.
  const ownUploadDir = options.env?.UPLOAD_DIR ? null : tempUploadDir();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    ...HIGH_CLIENT_LIMITS,
    ...(ownUploadDir ? { UPLOAD_DIR: ownUploadDir } : {}),
    ...options.env,
  };
  let prefix: string | null = null;
  let url: string | null = null;
  if (store === 'redis') {
    url = options.redisUrl ?? redisUrl();
    prefix = options.prefix ?? testPrefix();
    env.REDIS_URL = url;
    env.REDIS_PREFIX = prefix;
  }
  const config = loadConfig(env);
  const log = options.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const server = createGhostChat(config, { log, clock: options.clock });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await server.close();
      if (url && prefix && !options.keepData) await dropPrefix(url, prefix).catch(() => undefined);
      if (ownUploadDir) rmSync(ownUploadDir, { recursive: true, force: true });
    })());
  afterThisTest(close);
  const address = await server.listen(options.port ?? 0, '127.0.0.1');
  return { url: address, server, config, prefix, close };
}

export interface ServerPerTest {
  /** Starts this test's server, with an upload directory of its own unless `env` names one. */
  start(env?: Record<string, string>): Promise<RunningServer>;
  /** Stops the server and starts another on the same upload directory and store data (a restart). */
  restart(env?: Record<string, string>): Promise<RunningServer>;
  /** The running server's upload directory. */
  readonly dir: string;
}

/**
 * For a describe block whose tests each start one server: when the test ends, runs `beforeClose`
 * (clients close by themselves now), closes the server and removes the upload directory made for it.
 */
export function serverPerTest(store: StoreKind, beforeClose: () => void = () => undefined): ServerPerTest {
  let running: RunningServer | undefined;
  let dir: string | undefined;
  return {
    async start(env = {}) {
      const ownDir = env.UPLOAD_DIR ? undefined : tempUploadDir();
      // Registered first, so it runs last: after the server (and any restart of it) has closed.
      afterThisTest(() => {
        if (ownDir) rmSync(ownDir, { recursive: true, force: true });
        running = dir = undefined;
      });
      running = await startServer({ store, env: { ...(ownDir ? { UPLOAD_DIR: ownDir } : {}), ...env } });
      afterThisTest(beforeClose);
      dir = running.config.media.uploadDir;
      return running;
    },
    async restart(env = {}) {
      const previous = running!;
      running = undefined;
      // The server alone: its upload directory and its store data stay for the next one.
      await previous.server.close();
      running = await startServer({ store, env: { UPLOAD_DIR: dir!, ...env }, prefix: previous.prefix ?? undefined });
      return running;
    },
    get dir() {
      if (dir === undefined) throw new Error('no server started in this test');
      return dir;
    },
  };
}
