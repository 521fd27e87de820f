import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createGhostChat, type GhostChat } from '../../src/server.js';
import { dropPrefix, redisUrl, testPrefix, type StoreKind } from './stores.js';

export interface RunningServer {
  url: string;
  server: GhostChat;
  config: Config;
  /** The Redis key prefix this server uses (Redis only). */
  prefix: string | null;
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
}

/** Builds GhostChat from env exactly as main.ts does and listens on a free port. */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const store = options.store ?? 'memory';
  // A test that does not choose an upload directory gets a temporary one of its own.
  const ownUploadDir = options.env?.UPLOAD_DIR ? null : mkdtempSync(join(tmpdir(), 'ghostchat-uploads-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
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
  const server = createGhostChat(config, { log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  const address = await server.listen(0, '127.0.0.1');
  return {
    url: address,
    server,
    config,
    prefix,
    async close() {
      await server.close();
      if (url && prefix && !options.keepData) await dropPrefix(url, prefix).catch(() => undefined);
      if (ownUploadDir) rmSync(ownUploadDir, { recursive: true, force: true });
    },
  };
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
 * For a describe block whose tests each start one server: closes it after every test (after
 * `beforeClose`, e.g. closing clients) and removes the upload directory made for it.
 */
export function serverPerTest(store: StoreKind, beforeClose: () => void = () => undefined): ServerPerTest {
  let running: RunningServer | undefined;
  let dir: string | undefined;
  let ownDir: string | undefined;
  afterEach(async () => {
    beforeClose();
    await running?.close();
    running = undefined;
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    ownDir = undefined;
    dir = undefined;
  });
  return {
    async start(env = {}) {
      if (!env.UPLOAD_DIR) ownDir = mkdtempSync(join(tmpdir(), 'ghostchat-uploads-'));
      running = await startServer({ store, env: { ...(ownDir ? { UPLOAD_DIR: ownDir } : {}), ...env } });
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
