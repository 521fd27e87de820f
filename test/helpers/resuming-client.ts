import type { ConnectOptions, GhostChatClient } from '../../src/client/ghostchat-client.js';
import { connect } from '../../src/client/ghostchat-client.js';
import type { NewMessage } from '../../src/protocol/messages.js';
import type { ResumeOutcome } from '../../src/protocol/resume.js';
import { io } from 'socket.io-client';
import { expect } from 'vitest';
import { afterThisTest } from './cleanup.js';
import { asText, collect, eventually, nextEvent, ok, request, type Client } from './client.js';
import type { SwitchProxy } from './switch-proxy.js';

/** A typed client that resumes, reconnecting at once through `url`; closed when the test ends. */
export async function resumingClient(
  url: string,
  features: Array<'reveal'> = [],
  options: ConnectOptions = {},
): Promise<GhostChatClient> {
  const client = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    resume: true,
    features,
    reconnectionDelay: 50,
    reconnectionDelayMax: 100,
    ...options,
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

/** A raw socket.io client with the handshake `auth` given; what it hears of `session` is recorded. */
export async function rawClient(url: string, auth: Record<string, unknown>) {
  const socket: Client = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth });
  afterThisTest(() => socket.disconnect());
  const session = nextEvent(socket, 'session');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, session };
}

/** What a typed client hears from now on. */
export function listen(client: GhostChatClient) {
  const messages: NewMessage[] = [];
  const expired: string[] = [];
  client.on('new-message', (m) => void messages.push(m));
  client.on('message-expired', (e) => void expired.push(e.messageId));
  return { messages, expired };
}

/** Where the phone's network leads and which server it comes back to. */
export interface GapScenario {
  proxy: SwitchProxy;
  /** The phone (a resuming client through the proxy), already in `room` as `Phone`. */
  phone: GhostChatClient;
  /** Someone in the room on a connection that stays up, as `Desk`. */
  desk: Client;
  room: string;
  /** The port the phone's next connection reaches (another node); the same server when absent. */
  comesBackTo?: number;
}

/**
 * The phone holds two messages, one short-lived; its network goes without a goodbye (its server
 * keeps a ghost); the short one expires and three more are said; then the phone's reconnection
 * goes through. Checks that it got exactly the three, in order, once each, and the expiry of the
 * one it held, that nobody saw it leave, and that it still speaks under its name.
 */
export async function resumeAcrossAGap({ proxy, phone, desk, room, comesBackTo }: GapScenario): Promise<void> {
  const left = collect(desk, 'participant-left');
  const heard = listen(phone);
  const short = await ok(request(desk, 'send-message', { roomToken: room, message: 'short', ttl: 1 }));
  await ok(request(desk, 'send-message', { roomToken: room, message: 'kept', ttl: 600 }));
  await eventually(() => heard.messages.length === 2, 10_000);

  proxy.cut({ hold: true });
  if (comesBackTo !== undefined) proxy.pointTo(comesBackTo);
  expect((await nextEvent(desk, 'message-expired', 15_000)).messageId).toBe(short.messageId);
  const missed: string[] = [];
  for (const text of ['one', 'two', 'three']) {
    missed.push((await ok(request(desk, 'send-message', { roomToken: room, message: text, ttl: 600 }))).messageId);
  }
  const resumed = nextResume(phone);
  proxy.release();

  expect(await resumed).toEqual({ ok: true, rooms: [{ roomToken: room, rejoined: true, recovered: true }] });
  expect(heard.messages.slice(2).map((m) => m.id)).toEqual(missed);
  expect(heard.messages.slice(2).map((m) => asText(m).message)).toEqual(['one', 'two', 'three']);
  expect(heard.expired).toEqual([short.messageId]);
  expect(new Set(heard.messages.map((m) => m.id)).size).toBe(heard.messages.length);
  // The ghost was replaced, not left: nobody saw the phone go.
  expect(left).toEqual([]);
  const fromPhone = nextEvent(desk, 'new-message');
  await phone.send(room, 'back', 600);
  expect(await fromPhone).toMatchObject({ sender: 'Phone', message: 'back' });
}
