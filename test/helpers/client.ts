import type { Agent } from 'node:http';
import { io as connect, type Socket } from 'socket.io-client';
import { afterThisTest } from './cleanup.js';

export type Client = Socket;

const opened = new Set<Socket>();

export interface OpenClientOptions {
  reconnection?: boolean;
  /** The HTTP agent its connections are made through (a test that needs to see them). */
  agent?: Agent;
}

/** A real socket.io client, websocket only, no reconnection unless asked; disconnected when the test ends. */
export async function openClient(url: string, options: OpenClientOptions = {}): Promise<Client> {
  const socket = connect(url, {
    transports: ['websocket'],
    reconnection: options.reconnection ?? false,
    forceNew: true,
    ...(options.agent ? { agent: options.agent as unknown as string } : {}),
  });
  opened.add(socket);
  afterThisTest(() => {
    socket.disconnect();
    opened.delete(socket);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** A client on HTTP long-polling only, as the earlier web client starts: each poll is its own request. */
export async function openPollingClient(url: string): Promise<Client> {
  const socket = connect(url, { transports: ['polling'], reconnection: false, forceNew: true });
  opened.add(socket);
  afterThisTest(() => {
    socket.disconnect();
    opened.delete(socket);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

export function closeAllClients(): void {
  for (const socket of opened) socket.disconnect();
  opened.clear();
}

/** Resolves with the next `event` the client receives, or rejects after `timeoutMs`. */
export function nextEvent<T = any>(socket: Client, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const onEvent = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, onEvent);
  });
}

/** Records every payload of `event` from now on. */
export function collect<T = any>(socket: Client, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** Emits with an acknowledgement and resolves with the ack. */
export function request<T = any>(socket: Client, event: string, payload: unknown, timeoutMs = 5000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

/** Waits until `predicate` holds, polling; for state that has no event of its own. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Opens a client and joins a room; resolves with the client and its room-joined payload. */
export async function joinedClient(url: string, roomToken: string, agentId: string) {
  const client = await openClient(url);
  const ack = await request(client, 'join-room', { roomToken, agentId });
  if (!ack.ok) throw new Error(`join failed: ${JSON.stringify(ack)}`);
  return client;
}
