import { describe, expect, it } from 'vitest';
import { eventually, openClient } from '../helpers/client.js';
import { testClock } from '../helpers/domain.js';
import { http } from '../helpers/http.js';
import WebSocket from 'ws';
import { afterThisTest } from '../helpers/cleanup.js';
import { startServer } from '../helpers/server.js';

/** An engine.io handshake over long-polling, as a browser's first request: the answer says why it was refused. */
const handshake = (url: string, headers: Record<string, string> = {}) =>
  http(`${url}/socket.io/?EIO=4&transport=polling`, { headers });

const connects = (url: string) =>
  openClient(url).then(
    () => true,
    () => false,
  );

describe('connections per address and per node', () => {
  it('lets one address hold MAX_CONNECTIONS_PER_ADDRESS sockets, not thousands', async () => {
    // The defaults, restored: the test helpers lift them for everyone else.
    const { url } = await startServer({
      env: { MAX_CONNECTIONS_PER_ADDRESS: '50', CONNECTIONS_PER_ADDRESS_PER_MINUTE: '60' },
    });
    const outcomes = await Promise.all(Array.from({ length: 80 }, () => connects(url)));
    expect(outcomes.filter(Boolean)).toHaveLength(50);
    const refused = await handshake(url);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ message: 'TOO_MANY_CONNECTIONS' });
  });

  it('counts a socket until it is gone, then lets another in', async () => {
    const { url } = await startServer({ env: { MAX_CONNECTIONS_PER_ADDRESS: '2' } });
    const first = await openClient(url);
    await openClient(url);
    expect(await connects(url)).toBe(false);
    first.disconnect();
    await eventually(() => connects(url));
    expect(await connects(url)).toBe(false);
  });

  it('bounds how fast one address opens connections', async () => {
    const clock = testClock(Date.now());
    const { url } = await startServer({ clock: clock.now, env: { CONNECTIONS_PER_ADDRESS_PER_MINUTE: '3' } });
    for (let i = 0; i < 3; i++) (await openClient(url)).disconnect();
    const refused = await handshake(url);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ message: 'RATE_LIMITED' });
    expect(await connects(url)).toBe(false);
    clock.advance(20_000);
    expect(await connects(url)).toBe(true);
  });

  it('bounds the connections of the whole node', async () => {
    const { url } = await startServer({ env: { MAX_CONNECTIONS: '3' } });
    for (let i = 0; i < 3; i++) await openClient(url);
    const refused = await handshake(url);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ message: 'TOO_MANY_CONNECTIONS' });
  });

  it('counts X-Forwarded-For addresses apart only behind a trusted proxy', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const untrusted = await startServer({ env: { MAX_CONNECTIONS_PER_ADDRESS: '1' } });
    expect((await handshake(untrusted.url, from('203.0.113.1'))).status).toBe(200);
    // Without TRUSTED_PROXIES the header is the client's word: both are 127.0.0.1.
    expect((await handshake(untrusted.url, from('203.0.113.2'))).status).toBe(403);

    const proxied = await startServer({ env: { MAX_CONNECTIONS_PER_ADDRESS: '1', TRUSTED_PROXIES: '127.0.0.0/8' } });
    expect((await handshake(proxied.url, from('203.0.113.1'))).status).toBe(200);
    expect((await handshake(proxied.url, from('203.0.113.1'))).status).toBe(403);
    expect((await handshake(proxied.url, from('203.0.113.2'))).status).toBe(200);
    // A client's own forged entries sit left of what the proxy appended: the proxy's word counts.
    expect((await handshake(proxied.url, from('198.51.100.9, 203.0.113.2'))).status).toBe(403);
    // IPv6 clients are counted per /64.
    expect((await handshake(proxied.url, from('2001:db8:1:2::1'))).status).toBe(200);
    expect((await handshake(proxied.url, from('2001:db8:1:2:ffff::9'))).status).toBe(403);
  });

  it('holds one socket per connection: CONNECTs sent at once on it open one socket, not one each', async () => {
    const { url } = await startServer({ env: { MAX_CONNECTIONS_PER_ADDRESS: '1' } });
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    afterThisTest(() => ws.terminate());
    const frames: string[] = [];
    const connect = `40${JSON.stringify({ features: ['resume'] })}`;
    ws.on('message', (data, isBinary) => {
      const frame = (data as Buffer).toString();
      if (isBinary || frame === '2') return;
      frames.push(frame);
      // Sent before the server answers the first: each would become a socket of its own, with its
      // own rooms, limits and resume session, on a connection counted once.
      if (frame.startsWith('0')) for (let i = 0; i < 4; i++) ws.send(connect);
    });
    const answered = () => frames.filter((f) => f.startsWith('40') || f.startsWith('44')).length >= 4;
    await eventually(() => answered() && frames.some((f) => f.startsWith('42["session"')));
    const answers = frames.slice(1);
    expect(answers.filter((f) => f.startsWith('40{"sid"'))).toHaveLength(1);
    expect(answers.filter((f) => f === '44{"message":"TOO_MANY_CONNECTIONS"}')).toHaveLength(3);
    expect(answers.filter((f) => f.startsWith('42["session"'))).toHaveLength(1);
  });
});
