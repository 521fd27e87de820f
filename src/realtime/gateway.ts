import type { Logger } from 'pino';
import { SHUTDOWN_NOTICE_GRACE_MS } from '../defaults.js';
import { connectionId } from '../domain/connection-id.js';
import type { DomainHooks, MessageExpired, MessagesBurning, ParticipantLeft } from '../domain/domain-events.js';
import { toAppError } from '../errors.js';
import { roomTag } from '../lib/log-redact.js';
import { withTimeout } from '../lib/timeout.js';
import { announcedFeatures, ClientFeatures } from '../protocol/client-features.js';
import { ClientEvents, ServerEvents } from '../protocol/events.js';
import { Connection } from './connection.js';
import { eventListener, listenTo, pipelinedEventListener, type ContextOf, type SocketListener } from './handler.js';
import { joinRoom } from './handlers/join-room.js';
import { leaveRoom } from './handlers/leave-room.js';
import { revealMessage } from './handlers/reveal-message.js';
import { sendImageListener } from './handlers/send-image.js';
import { sendMessage } from './handlers/send-message.js';
import { resumeNotOffered } from './resumable-sessions.js';
import { guardSocket, type SocketGuardDeps } from './socket-guard.js';
import type { GatewayDeps } from './services.js';
import type { GhostChatServerSocket } from './typed-socket.js';

export interface GatewayOptions {
  nodeId: string;
  maxPendingPerConnection: number;
}

/** Wires socket.io connections to the handlers and delivers domain events to rooms (its hooks). */
export class Gateway implements DomainHooks {
  private readonly connections = new Map<string, Connection>();
  /** Leaves the store refused while it was down; retried when it comes back. */
  private readonly unreleased: Array<{ roomToken: string; connectionId: string; agentId: string }> = [];
  private draining = false;
  /** Every socket's listeners, built once and shared: per connection they cost only their places. */
  private readonly listeners: ReadonlyArray<readonly [string, SocketListener]>;
  private readonly guard: SocketGuardDeps | undefined;

  constructor(
    private readonly deps: GatewayDeps,
    private readonly log: Logger,
    private readonly options: GatewayOptions,
  ) {
    const { schemas, images, limits, metrics } = deps;
    const contextOf: ContextOf = (socket) => {
      const connection = this.connections.get(socket.id);
      return connection && { socket, connection, metrics };
    };
    const disconnected = (socketId: string, reason: string) => this.disconnected(socketId, reason);
    this.listeners = [
      [ClientEvents.joinRoom, eventListener(ClientEvents.joinRoom, schemas.JoinRoom, joinRoom(deps), contextOf, log)],
      [
        ClientEvents.leaveRoom,
        eventListener(ClientEvents.leaveRoom, schemas.LeaveRoom, leaveRoom(deps), contextOf, log),
      ],
      [
        ClientEvents.sendMessage,
        pipelinedEventListener(ClientEvents.sendMessage, schemas.SendMessage, sendMessage(deps), contextOf, log),
      ],
      [
        ClientEvents.revealMessage,
        eventListener(ClientEvents.revealMessage, schemas.RevealMessage, revealMessage(deps), contextOf, log),
      ],
      ...(images ? [[ClientEvents.sendImage, sendImageListener(deps.io, images, contextOf, log)] as const] : []),
      [
        'disconnect',
        function (this: GhostChatServerSocket, reason: unknown) {
          disconnected(this.id, String(reason));
        },
      ],
    ];
    this.guard = limits && { metrics, log, flooded: (socket) => limits.flooded(socket) };
    // Once shutdown began, new connections are turned away so their clients try another node.
    deps.io.use((_socket, next) => next(this.draining ? new Error('SHUTTING_DOWN') : undefined));
    deps.io.on('connection', (socket) => this.accept(socket));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  messageExpired({ roomToken, messageId }: MessageExpired): void {
    this.deps.io.to(roomToken).emit(ServerEvents.messageExpired, { messageId, roomToken });
  }

  /** Every member learns when a burn started, so each screen counts down to the same moment. */
  messagesBurning({ roomToken, messageIds, burnAt }: MessagesBurning): void {
    const burnsAt = new Date(burnAt).toISOString();
    for (const messageId of messageIds) {
      this.deps.io.to(roomToken).emit(ServerEvents.messageBurning, { messageId, roomToken, burnsAt });
    }
  }

  participantLeft({ roomToken, agentId }: ParticipantLeft): void {
    this.deps.io.to(roomToken).emit(ServerEvents.participantLeft, { agentId, roomToken });
  }

  storeReconnected(): Promise<void> {
    return this.restorePresence();
  }

  /**
   * Writes this node's connections back into presence after the store came back: a restarted Redis
   * has forgotten them. A name another node took meanwhile is lost by this connection, which is told.
   */
  async restorePresence(): Promise<void> {
    for (const departed of this.unreleased.splice(0)) {
      await this.leave(departed.roomToken, departed.connectionId, departed.agentId);
    }
    for (const [socketId, connection] of this.connections) {
      for (const [roomToken, agentId] of connection.rooms) {
        const outcome = await this.deps.rooms.join(roomToken, connection.id, agentId, { rejoin: true }).then(
          () => null,
          (err: unknown) => toAppError(err),
        );
        if (outcome === null || outcome.code === 'STORE_UNAVAILABLE') continue;
        connection.rooms.delete(roomToken);
        const socket = this.deps.io.sockets.sockets.get(socketId);
        await socket?.leave(roomToken);
        socket?.emit(ServerEvents.error, {
          code: outcome.code,
          message: outcome.message,
          event: ClientEvents.joinRoom,
        });
      }
    }
  }

  /**
   * Shutdown, first step: refuses new connections and events (SHUTTING_DOWN), then resolves once the
   * events already accepted have finished, so nothing a client was told is stored is lost.
   */
  async drain(): Promise<void> {
    this.draining = true;
    for (const connection of this.connections.values()) connection.stopAccepting();
    await Promise.all([...this.connections.values()].map((c) => c.drain()));
  }

  /**
   * Tells each client of this node to reconnect, then closes its transport once that notice is
   * flushed. No socket.io disconnect packet is sent: the client takes it for a lost connection and
   * reconnects by itself, which lands it on another node behind the load balancer.
   */
  async dismissAll(): Promise<void> {
    const closing: Array<{ socket: GhostChatServerSocket; closed: Promise<void> }> = [];
    for (const socket of this.deps.io.of('/').sockets.values()) {
      if (socket.conn.readyState === 'closed') continue;
      socket.emit(ServerEvents.serverShutdown, { reason: 'shutdown', reconnect: true });
      closing.push({ socket, closed: new Promise((resolve) => socket.conn.once('close', () => resolve())) });
      // Without `discard`, engine.io closes only after its write buffer (the notice) is sent.
      socket.conn.close();
    }
    // A polling client takes the notice with its next poll; one that has gone never polls again,
    // and engine.io would hold its transport open for 30 s or more. Past a grace, shutdown goes
    // on: the rest are closed without the notice where engine.io still allows it (a transport
    // already in its orderly close keeps its own timer, which the process exit ends).
    await withTimeout(Promise.all(closing.map((c) => c.closed)), SHUTDOWN_NOTICE_GRACE_MS, 'notice not taken').catch(
      () => undefined,
    );
    for (const { socket } of closing) if (socket.conn.readyState !== 'closed') socket.conn.close(true);
  }

  /** Takes every local connection out of its rooms, announcing it; used on shutdown. */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => this.release(c)));
  }

  private accept(socket: GhostChatServerSocket): void {
    const reveals = announcedFeatures(socket.handshake.auth).has(ClientFeatures.reveal);
    const id = connectionId(this.options.nodeId, socket.id, reveals);
    const connection = new Connection(id, this.options.maxPendingPerConnection);
    this.connections.set(socket.id, connection);
    // First: a refused event goes no further than this.
    const { limits, sessions } = this.deps;
    const limiter = limits?.socketLimiter();
    if (limiter && this.guard) guardSocket(socket, limiter, this.guard);
    if (sessions) sessions.accept(socket, connection, limiter);
    else resumeNotOffered(socket, this.deps.metrics);
    listenTo(socket, this.listeners);
  }

  /** The socket is gone: its connection leaves its rooms (and closes its session), then is forgotten. */
  private disconnected(socketId: string, reason: string): void {
    const connection = this.connections.get(socketId);
    if (!connection) return;
    const { sessions } = this.deps;
    connection.enqueue(() => this.release(connection), { always: true });
    if (sessions) connection.enqueue(() => sessions.closed(connection, reason), { always: true });
    void connection.drain().then(() => this.connections.delete(socketId));
  }

  private async release(connection: Connection): Promise<void> {
    for (const [roomToken, agentId] of connection.rooms) {
      connection.rooms.delete(roomToken);
      await this.leave(roomToken, connection.id, agentId);
    }
  }

  private async leave(roomToken: string, connectionId: string, agentId: string): Promise<void> {
    try {
      const left = await this.deps.rooms.leave(roomToken, connectionId);
      if (left !== null) this.participantLeft({ roomToken, agentId });
    } catch (err) {
      // Only a shared store can fail here: remember the departure and retry when it is back.
      this.unreleased.push({ roomToken, connectionId, agentId });
      this.log.warn({ event: 'leave-failed', room: roomTag(roomToken), err: (err as Error).message }, 'leave failed');
    }
  }
}
