import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/lib/version.js';
import { afterThisTest } from '../helpers/cleanup.js';
import { eventually } from '../helpers/client.js';
import { captureLog, parseLogLines } from '../helpers/log-capture.js';
import { spawnServer } from '../helpers/process.js';
import { freePort } from '../helpers/redis-server.js';
import { startServer } from '../helpers/server.js';

function uploadDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ghostchat-uploads-'));
  afterThisTest(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('the start-up log of a real process', () => {
  it('is one line that says what runs where, with the port as a number, and nothing of Fastify', async () => {
    const dir = uploadDir();
    const proc = await spawnServer({
      FRONTEND_URL: 'http://localhost:3000,https://chat.example',
      UPLOAD_DIR: dir,
      METRICS_TOKEN: 'metrics-token-for-tests-0123456789',
    });
    afterThisTest(() => proc.kill());
    await eventually(() => parseLogLines(proc.output()).some((l) => l.event === 'listening'));
    const lines = parseLogLines(proc.output());
    const listening = lines.filter((l) => /listening/i.test(l.msg ?? ''));
    expect(listening).toHaveLength(1);
    expect(listening[0]).toMatchObject({
      level: 30,
      event: 'listening',
      version: packageVersion,
      store: 'memory',
      port: Number(new URL(proc.url).port),
      host: '127.0.0.1',
      allowedOrigins: ['http://localhost:3000', 'https://chat.example'],
      mediaStore: 'local',
      uploadDir: dir,
      metrics: 'token on public port',
    });
  });

  it('says when metrics have a port of their own, and when they are off', async () => {
    const metricsPort = await freePort();
    const own = await spawnServer({ UPLOAD_DIR: uploadDir(), METRICS_PORT: String(metricsPort) });
    afterThisTest(() => own.kill());
    const off = await spawnServer({ UPLOAD_DIR: uploadDir() });
    afterThisTest(() => off.kill());
    const startLine = async (output: () => string) => {
      await eventually(() => parseLogLines(output()).some((l) => l.event === 'listening'));
      return parseLogLines(output()).find((l) => l.event === 'listening');
    };
    expect(await startLine(() => own.output())).toMatchObject({ metrics: `own port ${metricsPort}` });
    expect(await startLine(() => off.output())).toMatchObject({ metrics: 'off' });
  });
});

describe('a handshake refused by the origin check', () => {
  /** Resolves once the server has refused (or, wrongly, accepted) a handshake from `origin`. */
  function handshake(url: string, origin: string, transport: 'websocket' | 'polling' = 'websocket') {
    const socket = connect(url, {
      transports: [transport],
      reconnection: false,
      forceNew: true,
      extraHeaders: { Origin: origin },
    });
    afterThisTest(() => socket.disconnect());
    return new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', () => resolve('refused'));
    });
  }

  it('is logged at info with the origin and how to allow it, once per origin, without the client address', async () => {
    const captured = captureLog('info');
    const running = await startServer({ env: { FRONTEND_URL: 'http://localhost:3000' }, log: captured.log });
    for (const transport of ['websocket', 'polling', 'websocket'] as const) {
      expect(await handshake(running.url, 'https://evil.example', transport)).toBe('refused');
    }
    expect(await handshake(running.url, 'https://other.example')).toBe('refused');
    expect(await handshake(running.url, 'http://localhost:3000')).toBe('connected');

    const refused = captured.lines.filter((l) => l.event === 'handshake-origin-refused');
    expect(refused.map((l) => l.origin)).toEqual(['https://evil.example', 'https://other.example']);
    for (const line of refused) {
      expect(line.level).toBe(30);
      expect(line.msg).toContain('FRONTEND_URL');
      expect(JSON.stringify(line)).not.toContain('127.0.0.1');
    }
  });

  it('cannot flood the log: a storm of distinct origins leaves a bounded number of lines', async () => {
    const captured = captureLog('info');
    const running = await startServer({ env: { FRONTEND_URL: 'http://localhost:3000' }, log: captured.log });
    for (let i = 0; i < 300; i++) {
      expect(await handshake(running.url, `https://attacker-${i}.example`)).toBe('refused');
    }
    const refused = captured.lines.filter((l) => l.event?.startsWith('handshake-origin-refused'));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThanOrEqual(101);
  });
});
