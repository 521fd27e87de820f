import type { Agent } from 'node:http';
import { io as connect, type Socket } from 'socket.io-client';
import type { GhostChatSocket } from '../../src/client/ghostchat-client.js';
import type { ClientFeature, HandshakeAuth } from '../../src/protocol/client-features.js';
import type {
  ClientEventPayload,
  ClientEventResult,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../src/protocol/contract.js';
import type { ImageMessage, TextMessage } from '../../src/protocol/messages.js';
import type { AckResponse } from '../../src/protocol/schemas.js';
import { afterThisTest } from './cleanup.js';

/** A real socket.io client typed by the protocol contract (src/protocol/contract.ts). */
export type Client = GhostChatSocket;

/** What the server sends with event `E`. */
export type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

export interface ClientOptions {
  reconnection?: boolean;
  /** Optional protocol features to announce in the handshake (e.g. `['reveal']`). */
  features?: ClientFeature[];
  /** The HTTP agent its connections are made through (a test that needs to see them). */
  agent?: Agent;
  /** Headers of its handshake (e.g. X-Forwarded-For, as a proxy in front would add). */
  headers?: Record<string, string>;
}

const opened = new Set<Socket>();

/** Disconnects the client when the test ends; resolves once it is connected. */
async function connected(socket: Client): Promise<Client> {
  opened.add(socket);
  afterThisTest(() => {
    socket.disconnect();
    opened.delete(socket);
  });
  // socket.io-client bounds only the transport's opening (20 s): a connection closed before the
  // server answered the socket.io CONNECT would otherwise leave this waiting for ever.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not connected in 30 s')), 30_000);
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      outcome();
    };
    socket.once('connect', () => settle(resolve));
    socket.once('connect_error', (err) => settle(() => reject(err)));
    socket.once('disconnect', (reason) => {
      if (!socket.connected) settle(() => reject(new Error(`closed before it connected: ${reason}`)));
    });
  });
  return socket;
}

/** A real socket.io client, websocket only, no reconnection unless asked; disconnected when the test ends. */
export function openClient(url: string, options: ClientOptions = {}): Promise<Client> {
  const auth: HandshakeAuth = options.features ? { features: options.features } : {};
  return connected(
    connect(url, {
      transports: ['websocket'],
      reconnection: options.reconnection ?? false,
      forceNew: true,
      auth,
      ...(options.agent ? { agent: options.agent as unknown as string } : {}),
      ...(options.headers ? { extraHeaders: options.headers } : {}),
    }),
  );
}

/** A client on HTTP long-polling only, as the earlier web client starts: each poll is its own request. */
export function openPollingClient(url: string): Promise<Client> {
  return connected(connect(url, { transports: ['polling'], reconnection: false, forceNew: true }));
}

export function closeAllClients(): void {
  for (const socket of opened) socket.disconnect();
  opened.clear();
}

/** The socket with its listener types erased: socket.io's cannot follow a generic event name. */
const untyped = (socket: Client) => socket as unknown as Socket;

/** A text message as it arrived whole; fails the test for anything else. */
export function asText(message: Payload<'new-message'>): TextMessage {
  if (message.type !== 'text' || 'unrevealed' in message) throw new Error(`not a whole text message: ${message.id}`);
  return message;
}

/** An image message as it arrived whole; fails the test for anything else. */
export function asImage(message: Payload<'new-message'>): ImageMessage {
  if (message.type !== 'image' || 'unrevealed' in message) throw new Error(`not a whole image message: ${message.id}`);
  return message;
}

/** Resolves with the next `event` the client receives, or rejects after `timeoutMs`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: Client,
  event: E,
  timeoutMs = 5000,
): Promise<Payload<E>> {
  return new Promise((resolve, reject) => {
    const name: string = event;
    const timer = setTimeout(() => {
      untyped(socket).off(name, onEvent);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const onEvent = (payload: Payload<E>) => {
      clearTimeout(timer);
      resolve(payload);
    };
    untyped(socket).once(name, onEvent);
  });
}

/** Records every payload of `event` from now on. */
export function collect<E extends keyof ServerToClientEvents>(socket: Client, event: E): Array<Payload<E>> {
  const seen: Array<Payload<E>> = [];
  const name: string = event;
  untyped(socket).on(name, (payload: Payload<E>) => void seen.push(payload));
  return seen;
}

/** Emits `event` with an acknowledgement and resolves with the ack, both as the contract types them. */
export function request<E extends keyof ClientToServerEvents>(
  socket: Client,
  event: E,
  payload: ClientEventPayload<E>,
  timeoutMs = 5000,
): Promise<AckResponse<ClientEventResult<E>>> {
  const name: string = event;
  return untyped(socket).timeout(timeoutMs).emitWithAck(name, payload) as Promise<AckResponse<ClientEventResult<E>>>;
}

/** Emits `event` without an acknowledgement, as the reference clients do. */
export function emitWithoutAck<E extends keyof ClientToServerEvents>(
  socket: Client,
  event: E,
  payload: ClientEventPayload<E>,
): void {
  const name: string = event;
  untyped(socket).emit(name, payload);
}

/**
 * Emits anything under any name, as a hostile or broken client would; the ack is whatever the
 * server answers. For tests of malformed input only: everything else goes through `request`.
 */
export function requestUntyped(socket: Client, event: string, ...args: unknown[]): Promise<any> {
  const timeoutMs = 5000;
  return untyped(socket)
    .timeout(timeoutMs)
    .emitWithAck(event, ...args);
}

/** The result of a request that must succeed; throws with the server's error otherwise. */
export async function ok<R extends object>(pending: Promise<AckResponse<R>>): Promise<R> {
  const ack = await pending;
  if (!ack.ok) throw new Error(`refused: ${ack.error.code} ${ack.error.message}`);
  return ack;
}

/** The error of a request that must be refused; throws if it succeeded. */
export async function refused<R extends object>(pending: Promise<AckResponse<R>>) {
  const ack = await pending;
  if (ack.ok) throw new Error('expected a refusal, got ok');
  return ack.error;
}

/** Resolves with the reason of the client's next disconnect, or rejects after `timeoutMs`. */
export function disconnected(socket: Client, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for disconnect')), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** Waits until `predicate` holds, polling; for state that has no event of its own. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Opens a client and joins a room; resolves with the client. */
export async function joinedClient(url: string, roomToken: string, agentId: string, options: ClientOptions = {}) {
  const client = await openClient(url, options);
  await ok(request(client, 'join-room', { roomToken, agentId }));
  return client;
}
