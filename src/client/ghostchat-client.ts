import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { ClientFeature, HandshakeAuth } from '../protocol/client-features.js';
import type {
  ClientEventPayload,
  ClientEventResult,
  ClientToServerEvents,
  JoinRoomResult,
  LeaveRoomResult,
  RevealMessageResult,
  SendImagePayload,
  SendImageResult,
  SendMessageResult,
  ServerToClientEvents,
} from '../protocol/contract.js';
import { ClientEvents } from '../protocol/events.js';
import type { ResumeOutcome } from '../protocol/resume.js';
import type { AckResponse } from '../protocol/schemas.js';
import type { NewMessage } from '../protocol/messages.js';
import { ResumeState } from './resume-state.js';

/**
 * A small typed GhostChat client on socket.io-client, for the page, tests and scripts. It knows the
 * protocol (src/protocol) and nothing of the server's code. Every request resolves with its
 * acknowledgement's result or rejects with a GhostChatError carrying the server's error code.
 */
export type GhostChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ConnectOptions extends Partial<ManagerOptions & SocketOptions> {
  /** How long a request waits for its acknowledgement (default 10 s); then it fails with `TIMEOUT`. */
  ackTimeoutMs?: number;
  /** Optional protocol features this client speaks, announced in the handshake (docs/PROTOCOL.md). */
  features?: ClientFeature[];
  /**
   * Resume the session when socket.io reconnects (feature `resume`): back in its rooms under its
   * names, with what it missed replayed once (see `onResume`).
   */
  resume?: boolean;
  /**
   * How long a reconnection waits for the outcome of its resume (default 15 s, longer than a
   * server whose store fails takes to answer); then it is taken as refused (`RESUME_REFUSED`): a
   * node without the feature never answers.
   */
  resumeOutcomeTimeoutMs?: number;
}

const RESUME_OUTCOME_TIMEOUT_MS = 15_000;

/** A refused request: `code` is the server's (src/errors.ts), or `TIMEOUT` when no answer came. */
export class GhostChatError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GhostChatError';
  }
}

export type ImageToSend = SendImagePayload['imageData'];

export class GhostChatClient {
  /** The payload of a `new-message` already held (replayed and live both): listeners do not see it. */
  private duplicate: NewMessage | null = null;
  private readonly resumeListeners = new Set<(outcome: ResumeOutcome) => void>();
  /** Running while this connection waits for the outcome of its resume. */
  private outcomeTimer: ReturnType<typeof setTimeout> | undefined;
  /** This connection's resume outcome was told (received, or taken as refused): a late one is not. */
  private outcomeTold = false;

  constructor(
    readonly socket: GhostChatSocket,
    private readonly ackTimeoutMs: number,
    private readonly resumeState: ResumeState | null = null,
    private readonly resumeOutcomeTimeoutMs = RESUME_OUTCOME_TIMEOUT_MS,
  ) {
    if (!resumeState) return;
    // Registered first, so these run before any listener of the same event.
    socket.on('connect', () => this.awaitOutcome(resumeState));
    socket.on('disconnect', () => clearTimeout(this.outcomeTimer));
    socket.on('session', (payload) => {
      resumeState.session(payload);
      if (payload.resumed) this.tellOutcome(payload.resumed);
    });
    socket.on('new-message', (message) => {
      this.duplicate = resumeState.received(message.roomToken, message.id) ? null : message;
    });
    socket.on('message-expired', ({ roomToken, messageId }) => resumeState.expired(roomToken, messageId));
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** This connection asked to resume the last one and `onResume` has not told how it went yet. */
  get resuming(): boolean {
    return this.resumeState?.pending ?? false;
  }

  /** Resolves once connected (at once if it is); rejects on a refused handshake or after `timeoutMs`. */
  opened(timeoutMs = 5000): Promise<this> {
    if (this.socket.connected) return Promise.resolve(this);
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.socket.off('connect', onConnect);
        this.socket.off('connect_error', onError);
        if (error) reject(error);
        else resolve(this);
      };
      const onConnect = () => done();
      const onError = (error: Error) => done(error);
      const timer = setTimeout(() => done(new GhostChatError('TIMEOUT', 'not connected in time')), timeoutMs);
      this.socket.on('connect', onConnect);
      this.socket.on('connect_error', onError);
    });
  }

  async join(roomToken: string, agentId: string): Promise<JoinRoomResult> {
    // Held from now: the room's messages may arrive before the acknowledgement.
    this.resumeState?.joined(roomToken);
    try {
      return await this.request(ClientEvents.joinRoom, { roomToken, agentId });
    } catch (error) {
      if (!(error instanceof GhostChatError && error.code === 'ALREADY_JOINED')) this.resumeState?.left(roomToken);
      throw error;
    }
  }

  async leave(roomToken: string): Promise<LeaveRoomResult> {
    const left = await this.request(ClientEvents.leaveRoom, { roomToken });
    this.resumeState?.left(roomToken);
    return left;
  }

  /** Messages of a room the client holds from elsewhere (the history): a resume reports them too when they go. */
  remember(roomToken: string, messageIds: readonly string[]): void {
    for (const id of messageIds) this.resumeState?.received(roomToken, id);
  }

  /**
   * After socket.io reconnected, how the resume went (sent after the missed messages were
   * replayed): `ok: false` when the session could not be resumed (join the rooms again and read
   * their history); per room, `recovered: false` for a gap to fill from the history.
   */
  onResume(listener: (outcome: ResumeOutcome) => void): () => void {
    this.resumeListeners.add(listener);
    return () => void this.resumeListeners.delete(listener);
  }

  /** `ttl` in seconds: 0 burns after reading, null or absent takes the server's default. */
  send(roomToken: string, message: string, ttl?: number | null): Promise<SendMessageResult> {
    return this.request(ClientEvents.sendMessage, { roomToken, message, ttl });
  }

  sendImage(
    roomToken: string,
    imageData: ImageToSend,
    options: { caption?: string; ttl?: number | null } = {},
  ): Promise<SendImageResult> {
    return this.request(ClientEvents.sendImage, { roomToken, imageData, ...options });
  }

  /**
   * The whole message (for a burn-after-reading message that arrived unrevealed). Revealing a
   * message someone else sent is what reads it: its burn starts then.
   */
  reveal(roomToken: string, messageId: string): Promise<RevealMessageResult> {
    return this.request(ClientEvents.revealMessage, { roomToken, messageId });
  }

  /** Subscribes to a server event; returns the unsubscribe function. */
  on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]): () => void {
    // socket.io's listener type is a conditional type TypeScript cannot narrow for a generic `E`.
    const untyped = this.socket as unknown as Socket;
    const name: string = event;
    const registered =
      event === 'new-message' && this.resumeState
        ? (message: NewMessage) => {
            if (message !== this.duplicate) (listener as (m: NewMessage) => void)(message);
          }
        : listener;
    untyped.on(name, registered);
    return () => void untyped.off(name, registered);
  }

  /** Connected (first time or again); returns the unsubscribe function. */
  onConnect(listener: () => void): () => void {
    this.socket.on('connect', listener);
    return () => void this.socket.off('connect', listener);
  }

  /** Connection lost; `reconnecting` tells whether socket.io is trying again by itself. */
  onDisconnect(listener: (reconnecting: boolean) => void): () => void {
    const handler = () => listener(this.socket.active);
    this.socket.on('disconnect', handler);
    return () => void this.socket.off('disconnect', handler);
  }

  close(): void {
    clearTimeout(this.outcomeTimer);
    this.socket.disconnect();
  }

  private awaitOutcome(state: ResumeState): void {
    this.outcomeTold = false;
    clearTimeout(this.outcomeTimer);
    if (!state.pending) return;
    this.outcomeTimer = setTimeout(() => {
      if (state.pending) this.tellOutcome(state.unanswered());
    }, this.resumeOutcomeTimeoutMs);
  }

  private tellOutcome(outcome: ResumeOutcome): void {
    clearTimeout(this.outcomeTimer);
    if (this.outcomeTold) return;
    this.outcomeTold = true;
    for (const listener of [...this.resumeListeners]) listener(outcome);
  }

  private async request<E extends keyof ClientToServerEvents>(
    event: E,
    payload: ClientEventPayload<E>,
  ): Promise<ClientEventResult<E>> {
    let response: AckResponse<ClientEventResult<E>>;
    try {
      // Typed by the contract at the call sites above; socket.io's emit types do not follow a generic `E`.
      const untyped = this.socket as unknown as Socket;
      response = (await untyped.timeout(this.ackTimeoutMs).emitWithAck(event, payload)) as AckResponse<
        ClientEventResult<E>
      >;
    } catch {
      throw new GhostChatError('TIMEOUT', `no answer to ${event}`);
    }
    if (!response.ok) throw new GhostChatError(response.error.code, response.error.message);
    return response;
  }
}

/** Opens a connection (it connects in the background; await `opened()` to wait for it). */
export function connect(url: string, options: ConnectOptions = {}): GhostChatClient {
  const { ackTimeoutMs = 10_000, features, resume = false, resumeOutcomeTimeoutMs, ...socketOptions } = options;
  if (!resume) {
    const auth: HandshakeAuth | undefined = features ? { features } : undefined;
    const socket: GhostChatSocket = io(url, auth ? { ...socketOptions, auth } : socketOptions);
    return new GhostChatClient(socket, ackTimeoutMs);
  }
  const state = new ResumeState();
  const announced: ClientFeature[] = [...new Set([...(features ?? []), 'resume' as const])];
  // Asked on every (re)connection: the first sends no `resume`, each later one the latest credential.
  const auth = (send: (auth: HandshakeAuth) => void) => {
    const request = state.request();
    send(request ? { features: announced, resume: request } : { features: announced });
  };
  const socket: GhostChatSocket = io(url, { ...socketOptions, auth });
  return new GhostChatClient(socket, ackTimeoutMs, state, resumeOutcomeTimeoutMs);
}
