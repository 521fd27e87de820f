import { describe, expect, it } from 'vitest';
import { connect, type GhostChatClient } from '../../src/client/ghostchat-client.js';
import type { NewMessage } from '../../src/protocol/messages.js';
import type { ResumeOutcome } from '../../src/protocol/resume.js';
import { afterThisTest } from '../helpers/cleanup.js';
import { asText, collect, eventually, joinedClient, nextEvent, ok, request } from '../helpers/client.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';
import { SwitchProxy } from '../helpers/switch-proxy.js';

const ROOM = 'RES-UME-001';

/** A typed client that resumes, reconnecting at once through `url`; closed when the test ends. */
export async function resumingClient(url: string, features: Array<'reveal'> = []): Promise<GhostChatClient> {
  const client = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    resume: true,
    features,
    reconnectionDelay: 50,
    reconnectionDelayMax: 100,
  });
  afterThisTest(() => client.close());
  const session = nextSession(client);
  await client.opened();
  await session;
  return client;
}

function nextSession(client: GhostChatClient): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on('session', () => {
      off();
      resolve();
    });
  });
}

export function nextResume(client: GhostChatClient): Promise<ResumeOutcome> {
  return new Promise((resolve) => {
    const off = client.onResume((outcome) => {
      off();
      resolve(outcome);
    });
  });
}

/** What a typed client hears from now on. */
export function listen(client: GhostChatClient) {
  const messages: NewMessage[] = [];
  const expired: string[] = [];
  client.on('new-message', (m) => void messages.push(m));
  client.on('message-expired', (e) => void expired.push(e.messageId));
  return { messages, expired };
}

describe.each(storeKinds())('resuming a dropped connection on one node (%s store)', (store) => {
  it('gets the missed messages in order, the expiry of a held one, once each, and keeps its name', async () => {
    const server = await startServer({ store });
    const port = Number(new URL(server.url).port);
    const proxy = await SwitchProxy.start(port);
    const phone = await resumingClient(proxy.url);
    await phone.join(ROOM, 'Phone');
    const desk = await joinedClient(server.url, ROOM, 'Desk');
    const left = collect(desk, 'participant-left');
    const heard = listen(phone);

    const short = await ok(request(desk, 'send-message', { roomToken: ROOM, message: 'short', ttl: 1 }));
    await ok(request(desk, 'send-message', { roomToken: ROOM, message: 'kept', ttl: 600 }));
    await eventually(() => heard.messages.length === 2);

    // The network goes: the server keeps the phone's connection (a ghost) and its name, and the
    // phone's reconnection waits until the room has moved on.
    proxy.cut({ hold: true });
    expect((await nextEvent(desk, 'message-expired', 10_000)).messageId).toBe(short.messageId);
    const missed: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      missed.push((await ok(request(desk, 'send-message', { roomToken: ROOM, message: text, ttl: 600 }))).messageId);
    }
    const resumed = nextResume(phone);
    proxy.release();

    expect(await resumed).toEqual({ ok: true, rooms: [{ roomToken: ROOM, rejoined: true, recovered: true }] });
    expect(heard.messages.slice(2).map((m) => m.id)).toEqual(missed);
    expect(heard.messages.slice(2).map((m) => asText(m).message)).toEqual(['one', 'two', 'three']);
    expect(heard.expired).toEqual([short.messageId]);
    // The ghost was replaced, not left: nobody saw the phone go, and its name is still its own.
    expect(left).toEqual([]);
    const health = await fetch(`${server.url}/api/health`).then(
      (r) => r.json() as Promise<{ totalParticipants: number }>,
    );
    expect(health.totalParticipants).toBe(2);
    const thief = await joinedClient(server.url, 'RES-UME-002', 'Thief');
    const taken = await request(thief, 'join-room', { roomToken: ROOM, agentId: 'Phone' });
    expect(taken).toMatchObject({ ok: false, error: { code: 'AGENT_TAKEN' } });
    const fromPhone = nextEvent(desk, 'new-message');
    await phone.send(ROOM, 'back', 600);
    expect(await fromPhone).toMatchObject({ sender: 'Phone', message: 'back' });
    // The second delivery of anything is not passed on: every id once.
    expect(new Set(heard.messages.map((m) => m.id)).size).toBe(heard.messages.length);
  });
});
