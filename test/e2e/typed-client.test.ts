import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, GhostChatError, type GhostChatClient } from '../../src/client/ghostchat-client.js';
import type { NewMessage } from '../../src/protocol/messages.js';
import { startServer, type RunningServer } from '../helpers/server.js';

describe('the typed client (src/client/ghostchat-client.ts)', () => {
  let running: RunningServer | undefined;
  const clients: GhostChatClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await running?.close();
    running = undefined;
  });

  const open = async (url: string, ackTimeoutMs?: number, features?: Array<'reveal'>) => {
    const client = connect(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ackTimeoutMs,
      features,
    });
    clients.push(client);
    return client.opened();
  };

  it('joins, sends and receives through the contract, resolving with the acknowledgement', async () => {
    running = await startServer();
    const a = await open(running.url);
    const b = await open(running.url);
    expect(await a.join('ABC-123-XYZ', 'Ghost A')).toEqual({
      ok: true,
      roomToken: 'ABC-123-XYZ',
      participants: ['Ghost A'],
    });
    const joined = new Promise<string>((resolve) => a.on('participant-joined', (p) => resolve(p.agentId)));
    await b.join('ABC-123-XYZ', 'Ghost B');
    expect(await joined).toBe('Ghost B');

    const arrived = new Promise<NewMessage>((resolve) => b.on('new-message', resolve));
    const sent = await a.send('ABC-123-XYZ', 'hello', 60);
    expect(sent).toEqual({ ok: true, messageId: expect.stringMatching(/^msg_/), timestamp: expect.any(String) });
    expect(await arrived).toMatchObject({
      id: sent.messageId,
      type: 'text',
      message: 'hello',
      sender: 'Ghost A',
      ttl: 60,
    });
    expect(await a.leave('ABC-123-XYZ')).toEqual({ ok: true, roomToken: 'ABC-123-XYZ' });
  });

  it('announces reveal support: burn-after-reading messages arrive unrevealed, reveal() reads them', async () => {
    running = await startServer();
    const sender = await open(running.url);
    const reader = await open(running.url, undefined, ['reveal']);
    await sender.join('ABC-123-XYZ', 'Ghost A');
    await reader.join('ABC-123-XYZ', 'Ghost B');
    const arrived = new Promise<NewMessage>((resolve) => reader.on('new-message', resolve));
    const burning = new Promise((resolve) => sender.on('message-burning', resolve));
    const sent = await sender.send('ABC-123-XYZ', 'once', 0);
    expect(await arrived).toMatchObject({ id: sent.messageId, unrevealed: true });
    const revealed = await reader.reveal('ABC-123-XYZ', sent.messageId);
    expect(revealed).toMatchObject({ ok: true, message: { message: 'once' }, burnsAt: expect.any(String) });
    expect(await burning).toEqual({ messageId: sent.messageId, roomToken: 'ABC-123-XYZ', burnsAt: revealed.burnsAt });
  });

  it("rejects with the server's error code", async () => {
    running = await startServer();
    const a = await open(running.url);
    const b = await open(running.url);
    await expect(a.send('ABC-123-XYZ', 'not joined')).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    await a.join('ABC-123-XYZ', 'Twin');
    const refused = await b.join('ABC-123-XYZ', 'Twin').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GhostChatError);
    expect(refused).toMatchObject({ code: 'AGENT_TAKEN' });
    await expect(a.join('bad token', 'Twin')).rejects.toMatchObject({ code: 'PAYLOAD_INVALID' });
  });

  it('stops delivering an event once unsubscribed', async () => {
    running = await startServer();
    const a = await open(running.url);
    await a.join('ABC-123-XYZ', 'Ghost');
    const seen: string[] = [];
    const unsubscribe = a.on('new-message', (m) => seen.push(m.id));
    const first = await a.send('ABC-123-XYZ', 'one');
    unsubscribe();
    const last = new Promise<void>((resolve) => a.on('new-message', () => resolve()));
    await a.send('ABC-123-XYZ', 'two');
    await last;
    expect(seen).toEqual([first.messageId]);
  });

  it('fails with TIMEOUT when no acknowledgement comes', async () => {
    const http = createServer();
    const silent = new Server(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const client = await open(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, 200);
      await expect(client.join('ABC-123-XYZ', 'Ghost')).rejects.toMatchObject({ code: 'TIMEOUT' });
    } finally {
      await silent.close();
    }
  });
});
