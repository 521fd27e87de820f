import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { io as connectRaw } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../../src/http/error-handler.js';
import { pageRoutes } from '../../src/http/page-routes.js';
import { startServer, type RunningServer } from '../helpers/server.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET with exactly these headers (fetch would not let a test set Host). */
function get(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function expectPageHeaders(response: RawResponse) {
  const csp = String(response.headers['content-security-policy']);
  for (const directive of [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' blob: data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ]) {
    expect(csp.split('; ')).toContain(directive);
  }
  expect(csp).not.toMatch(/unsafe-|\*|https?:/);
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
}

describe('the chat page over HTTP', () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('serves the page with no-cache, its hashed assets immutable, all under a strict CSP', async () => {
    running = await startServer();
    const page = await get(`${running.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expectPageHeaders(page);
    const html = page.body.toString();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\son\w+=|style="/i);

    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/app-[A-Z0-9]+\.(?:js|css))" integrity="([^"]+)"/g)];
    expect(assets.map((m) => m[1]!.split('.').pop()).sort()).toEqual(['css', 'js']);
    for (const [, path, integrity] of assets) {
      const asset = await get(`${running.url}${path}`);
      expect(asset.status).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.headers['content-type']).toMatch(path!.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      expectPageHeaders(asset);
      expect(integrity).toBe(`sha384-${createHash('sha384').update(asset.body).digest('base64')}`);
      const gzipped = await get(`${running.url}${path}`, { 'Accept-Encoding': 'gzip' });
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzipped.body).equals(asset.body)).toBe(true);
    }
  });

  it('publishes the SHA-256 of exactly the files it serves', async () => {
    running = await startServer();
    const sums = await get(`${running.url}/SHA256SUMS`);
    expect(sums.status).toBe(200);
    expectPageHeaders(sums);
    const lines = sums.body
      .toString()
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    expect(lines.map(([, name]) => name!.replace(/-[A-Z0-9]+\./, '-*.')).sort()).toEqual([
      'assets/app-*.css',
      'assets/app-*.js',
      'index.html',
    ]);
    for (const [hash, name] of lines) {
      const served = await get(`${running.url}/${name === 'index.html' ? '' : name}`);
      expect(sha256(served.body), name).toBe(hash);
    }
  });

  it('answers a repeated page request with 304 when its ETag still matches', async () => {
    running = await startServer();
    const first = await get(`${running.url}/`);
    const again = await get(`${running.url}/`, { 'If-None-Match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('serves no other file from /assets, whatever the path', async () => {
    running = await startServer();
    for (const path of ['/assets/app.js', '/assets/..%2Fserver.js', '/assets/%2e%2e%2fpackage.json', '/assets/x']) {
      const response = await get(`${running.url}${path}`);
      expect(response.status, path).toBe(404);
      expectPageHeaders(response);
    }
  });

  it('refuses page requests addressed to another host (DNS rebinding) with 421', async () => {
    running = await startServer();
    const port = new URL(running.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await get(`${running.url}/`, { Host: host })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, `localhost:${Number(port) + 1}`, 'localhost']) {
      const refused = await get(`${running.url}/`, { Host: host });
      expect(refused.status, host).toBe(421);
      expect(refused.body.toString()).toContain('PUBLIC_URL');
      expectPageHeaders(refused);
    }
  });

  it('serves the page only at PUBLIC_URL once it is set', async () => {
    running = await startServer({ env: { PUBLIC_URL: 'https://chat.example' } });
    const port = new URL(running.url).port;
    expect((await get(`${running.url}/`, { Host: 'chat.example' })).status).toBe(200);
    expect((await get(`${running.url}/`, { Host: `127.0.0.1:${port}` })).status).toBe(421);
  });

  it('tells a client the limits it must respect, and nothing else', async () => {
    running = await startServer({ env: { MAX_TTL: '600', DEFAULT_TTL: '300', MAX_MESSAGE_LENGTH: '2000' } });
    const response = await get(`${running.url}/api/config`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      maxTtlSeconds: 600,
      defaultTtlSeconds: 300,
      burnAfterReadSeconds: 30,
      maxMessageLength: 2000,
      maxAgentIdLength: 64,
      maxImageBytes: 10 * 1024 * 1024,
    });
  });
});

describe('socket.io handshakes from the page', () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  function handshake(url: string, origin: string): Promise<string> {
    const socket = connectRaw(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { Origin: origin },
    });
    return new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', () => resolve('refused'));
    }).finally(() => socket.disconnect());
  }

  it('lets in the page on the loopback names of its own port, and no look-alike', async () => {
    running = await startServer();
    const port = Number(new URL(running.url).port);
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]) {
      expect(await handshake(running.url, origin), origin).toBe('connected');
    }
    for (const origin of [
      `http://evil.example:${port}`,
      `http://localhost:${port + 1}`,
      `https://localhost:${port}`,
      `http://localhost.evil.example:${port}`,
    ]) {
      expect(await handshake(running.url, origin), origin).toBe('refused');
    }
  });

  it('lets in PUBLIC_URL instead of the loopback names once it is set', async () => {
    running = await startServer({ env: { PUBLIC_URL: 'https://chat.example' } });
    expect(await handshake(running.url, 'https://chat.example')).toBe('connected');
    expect(await handshake(running.url, running.url)).toBe('refused');
  });
});

describe('a server whose page is not built', () => {
  it('says so at / instead of failing, and still serves everything else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghostchat-no-page-'));
    const app = Fastify();
    registerErrorHandling(app);
    // An injected request has no port: PUBLIC_URL names the page's origin here.
    await app.register(pageRoutes({ dir, pageOrigins: ['http://localhost'] }));
    app.get('/api/ping', async () => ({ ok: true }));
    try {
      const page = await app.inject({ url: '/', headers: { host: 'localhost' } });
      expect(page.statusCode).toBe(503);
      expect(page.headers['content-type']).toMatch(/^text\/plain/);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.body).toContain('npm run build');
      for (const url of ['/assets/app-X.js', '/SHA256SUMS']) {
        expect((await app.inject({ url, headers: { host: 'localhost' } })).statusCode, url).toBe(404);
      }
      expect((await app.inject({ url: '/api/ping' })).json()).toEqual({ ok: true });
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
