import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { afterThisTest } from '../helpers/cleanup.js';
import { inject } from '../helpers/http.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

describe.each(storeKinds())('REST API on %s', (store) => {
  let running: RunningServer;
  const http = (path: string) => inject(running.server.app, path);

  it('reports health in the reference shape with the live store state', async () => {
    running = await startServer({ store });
    const { status, body } = await http('/api/health');
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ok',
      timestamp: expect.any(String),
      activeRooms: 0,
      totalParticipants: 0,
      redis: store === 'memory' ? 'memory' : 'connected',
      resumes: { recovered: 0, gap: 0, refused: 0 },
    });
  });

  it('round-trips the store on /api/redis/test, saying so on memory', async () => {
    running = await startServer({ store });
    const { status, body } = await http('/api/redis/test');
    expect(status).toBe(200);
    expect(body.success).toBe(true);
    if (store === 'memory') expect(body.message).toMatch(/memory/i);
    else expect(body).toMatchObject({ message: 'Redis test successful', result: expect.stringMatching(/^probe /) });
  });

  it.each(['abc-123-xyz', 'ABCD-1-2', 'A-B', '..%2F..%2Fetc', 'ABC-123-XYZ-1', '%00'])(
    'refuses the room token %s with 400',
    async (token) => {
      running = await startServer({ store });
      for (const route of ['stats', 'messages']) {
        const { status, body } = await http(`/api/room/${token}/${route}`);
        expect(status).toBe(400);
        expect(body).toMatchObject({ success: false, error: { code: 'ROOM_TOKEN_INVALID' } });
      }
    },
  );

  it('answers unknown routes with a JSON 404 and never a stack', async () => {
    running = await startServer({ store });
    const { status, body } = await http('/api/nope');
    expect(status).toBe(404);
    expect(body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it('tells caches not to keep history', async () => {
    running = await startServer({ store });
    const { headers } = await http('/api/room/ABC-123-XYZ/messages');
    expect(headers.get('cache-control')).toBe('no-store');
  });
});

describe('CORS', () => {
  let running: RunningServer;

  const preflight = (origin: string) =>
    inject(running.server.app, '/api/room/ABC-123-XYZ/messages', {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'content-type',
      },
    });

  it('passes the preflight for a GET with Content-Type: application/json from each allowed origin', async () => {
    running = await startServer({ env: { FRONTEND_URL: 'http://localhost:3000,https://chat.example' } });
    for (const origin of ['http://localhost:3000', 'https://chat.example']) {
      const res = await preflight(origin);
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-methods')).toContain('GET');
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    }
  });

  it('fails the preflight for any other origin', async () => {
    running = await startServer({ env: { FRONTEND_URL: 'http://localhost:3000' } });
    for (const origin of ['https://evil.example', 'http://localhost:3000.evil.example', 'null']) {
      const res = await preflight(origin);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    const simple = await inject(running.server.app, '/api/health', { headers: { Origin: 'https://evil.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('socket.io handshakes from browsers', () => {
  let running: RunningServer;

  /** Resolves `connected` or the server's refusal, for one transport and one Origin header. */
  function handshake(url: string, transport: 'websocket' | 'polling', origin?: string): Promise<string> {
    const socket = connect(url, {
      transports: [transport],
      reconnection: false,
      forceNew: true,
      ...(origin ? { extraHeaders: { Origin: origin } } : {}),
    });
    afterThisTest(() => socket.disconnect());
    return new Promise((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', () => resolve('refused'));
    });
  }

  it('refuses a handshake from a page on another origin, over WebSocket and over polling', async () => {
    running = await startServer({ env: { FRONTEND_URL: 'http://localhost:3000' } });
    for (const transport of ['websocket', 'polling'] as const) {
      for (const origin of ['https://evil.example', 'http://localhost:3000.evil.example', 'null']) {
        expect(await handshake(running.url, transport, origin), `${transport} ${origin}`).toBe('refused');
      }
    }
  });

  it('lets in the allowed origins and clients that are not browsers, and nothing else', async () => {
    running = await startServer({ env: { FRONTEND_URL: 'http://localhost:3000,https://chat.example' } });
    for (const transport of ['websocket', 'polling'] as const) {
      for (const origin of ['http://localhost:3000', 'https://chat.example', undefined]) {
        expect(await handshake(running.url, transport, origin), `${transport} ${origin}`).toBe('connected');
      }
      // A page whose hostile name was rebound to this server's address (DNS rebinding) reaches its
      // port with its own origin: only the loopback names are assumed (see test/e2e/page.test.ts).
      const rebound = `http://rebound.example:${new URL(running.url).port}`;
      expect(await handshake(running.url, transport, rebound), `${transport} rebound origin`).toBe('refused');
    }
  });
});
