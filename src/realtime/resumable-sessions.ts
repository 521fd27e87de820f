import type { Logger } from 'pino';
import type { SocketLimiter } from '../domain/limits/socket-limiter.js';
import { credentialKey, type Resumed, type SessionRecovery, type SessionRooms } from '../domain/session-recovery.js';
import { AppError, toAppError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { announcedFeatures, ClientFeatures } from '../protocol/client-features.js';
import { ServerEvents } from '../protocol/events.js';
import type { ResumeError, RoomRecovery } from '../protocol/resume.js';
import type { buildResumeSchema, ResumeInput } from '../protocol/resume-schemas.js';
import type { Connection } from './connection.js';
import { enterRoom, exitRoom } from './message-delivery.js';
import type { GhostChatServer, GhostChatServerSocket } from './typed-socket.js';
import { revealsItself, socketIdOf } from '../domain/connection-id.js';

export interface SessionDeps {
  io: GhostChatServer;
  recovery: SessionRecovery;
  schema: ReturnType<typeof buildResumeSchema>;
  metrics: Metrics;
  log: Logger;
}

interface Session {
  key: string;
  /** Per room the connection is in, where a catch-up there would start. */
  floors: Map<string, number>;
}

/**
 * The connections of clients that announced `resume`: each gets a credential (`session`), its record
 * follows its joins and leaves, and a handshake with `auth.resume` takes an earlier connection's
 * session up (SessionRecovery) before any of the new connection's events run.
 */
export class ResumableSessions {
  private readonly sessions = new Map<Connection, Session>();
  /** Which connection of this node a record key belongs to. */
  private readonly byKey = new Map<string, Connection>();

  constructor(private readonly deps: SessionDeps) {}

  /** Called first for every connection; a client that did not announce `resume` sees nothing of this. */
  accept(socket: GhostChatServerSocket, connection: Connection, limiter: SocketLimiter | undefined): void {
    if (!announcedFeatures(socket.handshake.auth).has(ClientFeatures.resume)) return;
    const request = (socket.handshake.auth as { resume?: unknown }).resume;
    // First in the connection's queue: whatever the client sends next runs once it is back in its rooms.
    connection.enqueue(
      () => (request === undefined ? this.open(socket, connection) : this.resume(socket, connection, request, limiter)),
      { always: true },
    );
  }

  /** The connection joined a room: its record names it, with where its catch-up there would start. */
  async joined(connection: Connection, roomToken: string): Promise<void> {
    const session = this.sessions.get(connection);
    if (!session || session.floors.has(roomToken)) return;
    await this.keep(connection, session, async () => {
      session.floors.set(roomToken, await this.deps.recovery.floor(roomToken));
    });
  }

  async left(connection: Connection, roomToken: string): Promise<void> {
    const session = this.sessions.get(connection);
    if (!session) return;
    await this.keep(connection, session, async () => void session.floors.delete(roomToken));
  }

  /**
   * The connection is gone. Its window starts now, unless its client closed it on purpose (or the
   * server did): then there is nothing to resume, and the record goes.
   */
  async closed(connection: Connection, reason: string): Promise<void> {
    const session = this.sessions.get(connection);
    if (!session) return;
    this.untrack(connection);
    const onPurpose = reason === 'client namespace disconnect' || reason === 'server namespace disconnect';
    const { recovery } = this.deps;
    await (onPurpose ? recovery.forget(session.key) : recovery.refresh([session.key])).catch((err: unknown) =>
      this.failed('resume-refresh-failed', err),
    );
  }

  /** Keeps every live connection's record for another window (a node that dies cannot say when it went). */
  refreshAll(): Promise<void> {
    return this.deps.recovery.refresh([...this.sessions.values()].map((s) => s.key));
  }

  /** A fresh session (after `refusal`, when a resume was refused). */
  private async open(socket: GhostChatServerSocket, connection: Connection, refusal?: ResumeError) {
    let credential: string | null = null;
    try {
      const opened = await this.deps.recovery.open(connection.id);
      this.track(connection, { key: opened.key, floors: new Map() });
      credential = opened.credential;
    } catch (err) {
      // The client still learns how its resume went, and that this connection cannot be resumed.
      this.failed('resume-credential-failed', err);
    }
    socket.emit(ServerEvents.session, {
      credential,
      windowSeconds: this.deps.recovery.windowSeconds,
      ...(refusal ? { resumed: { ok: false as const, error: refusal } } : {}),
    });
  }

  private async resume(
    socket: GhostChatServerSocket,
    connection: Connection,
    request: unknown,
    limiter: SocketLimiter | undefined,
  ): Promise<void> {
    const refuse = (error: AppError) => {
      this.deps.metrics.resumed('refused');
      return this.open(socket, connection, { code: error.code, message: error.message });
    };
    const parsed = this.deps.schema.safeParse(request);
    if (!parsed.success) return refuse(new AppError('PAYLOAD_INVALID', 'Invalid auth.resume'));
    // Rejoining a room is a join, and costs one (only the rooms named are rejoined).
    for (let i = 0; i < Math.max(1, parsed.data.rooms.length); i++) {
      if ((limiter?.admit('join') ?? 0) > 0) return refuse(new AppError('RATE_LIMITED'));
    }
    let resumed: Resumed | null;
    try {
      resumed = await this.takeUp(socket, connection, parsed.data);
    } catch (err) {
      return refuse(toAppError(err));
    }
    if (!resumed) return refuse(new AppError('RESUME_REFUSED'));
    // Its record is taken: the earlier connection, if it lingers here, has none left to forget as it
    // goes (its key may be handed back to this one, below).
    const earlier = this.byKey.get(credentialKey(parsed.data.credential));
    if (earlier) this.untrack(earlier);
    // The earlier connection, wherever it still lingers, goes now; its rooms already have this one.
    this.deps.io.in(socketIdOf(resumed.previous)).disconnectSockets(true);
    for (const { roomToken, agentId } of resumed.departed) {
      this.deps.io.to(roomToken).emit(ServerEvents.participantLeft, { agentId, roomToken });
    }
    for (const room of resumed.rooms) {
      for (const messageId of room.gone) {
        socket.emit(ServerEvents.messageExpired, { messageId, roomToken: room.roomToken });
      }
      for (const { message, burnsAt } of room.replay) {
        socket.emit(ServerEvents.newMessage, message);
        if (burnsAt !== null) {
          const payload = {
            messageId: message.id,
            roomToken: room.roomToken,
            burnsAt: new Date(burnsAt).toISOString(),
          };
          socket.emit(ServerEvents.messageBurning, payload);
        }
      }
    }
    let session = resumed.session;
    if (socket.disconnected) {
      session = await this.deps.recovery
        .handBack(parsed.data.credential, session, connection.id, resumed.kept)
        .catch((err: unknown) => (this.failed('resume-save-failed', err), session));
    }
    if (session) {
      const floors = new Map(resumed.kept.map((r) => [r.roomToken, r.floor]));
      this.track(connection, { key: session.key, floors });
    } else {
      this.failed('resume-credential-failed', resumed.credentialError);
    }
    const rooms: RoomRecovery[] = resumed.rooms.map(({ roomToken, rejoined, recovered, error }) => ({
      roomToken,
      rejoined,
      recovered,
      ...(error ? { error } : {}),
    }));
    this.deps.metrics.resumed(rooms.every((r) => r.recovered) ? 'recovered' : 'gap');
    socket.emit(ServerEvents.session, {
      credential: session?.credential ?? null,
      windowSeconds: this.deps.recovery.windowSeconds,
      resumed: { ok: true, rooms },
    });
  }

  private takeUp(socket: GhostChatServerSocket, connection: Connection, request: ResumeInput) {
    const held = new Map(request.rooms.map((r) => [r.roomToken, r.held]));
    return this.deps.recovery.resume(request.credential, connection.id, held, async (room) => {
      try {
        // A socket gone meanwhile joins no socket.io room (nothing would take it out again); its
        // presence goes with it, as it leaves the rooms below.
        if (!socket.disconnected) await enterRoom(socket, room.roomToken, revealsItself(connection.id));
      } catch (err) {
        await exitRoom(socket, room.roomToken).catch(() => undefined);
        throw err;
      }
      connection.rooms.set(room.roomToken, room.agentId);
      socket.emit(ServerEvents.roomJoined, { roomToken: room.roomToken, participants: room.participants });
      if (room.announce) {
        socket
          .to(room.roomToken)
          .emit(ServerEvents.participantJoined, { agentId: room.agentId, roomToken: room.roomToken });
      }
    });
  }

  private track(connection: Connection, session: Session): void {
    this.sessions.set(connection, session);
    this.byKey.set(session.key, connection);
  }

  private untrack(connection: Connection): void {
    const session = this.sessions.get(connection);
    if (!session) return;
    this.sessions.delete(connection);
    if (this.byKey.get(session.key) === connection) this.byKey.delete(session.key);
  }

  /** Saves the record after `change`; a store that fails costs only the resumability of this change. */
  private async keep(connection: Connection, session: Session, change: () => Promise<void>): Promise<void> {
    try {
      await change();
      const rooms: SessionRooms = [...session.floors].flatMap(([roomToken, floor]) => {
        const agentId = connection.rooms.get(roomToken);
        return agentId === undefined ? [] : [{ roomToken, agentId, floor }];
      });
      await this.deps.recovery.save(session.key, connection.id, rooms);
    } catch (err) {
      this.failed('resume-save-failed', err);
    }
  }

  private failed(event: string, err: unknown): void {
    this.deps.log.warn({ event, err: (err as Error).message }, 'resume record not kept');
  }
}

/**
 * RECOVERY_WINDOW_SECONDS=0: a client that announced `resume` is told at once that this
 * connection cannot be resumed, and that its resume (if it asked for one) was refused, so it joins
 * again rather than wait for an outcome.
 */
export function resumeNotOffered(socket: GhostChatServerSocket, metrics: Metrics): void {
  const auth = socket.handshake.auth;
  if (!announcedFeatures(auth).has(ClientFeatures.resume)) return;
  const asked = (auth as { resume?: unknown }).resume !== undefined;
  if (asked) metrics.resumed('refused');
  const { code, message } = new AppError('RESUME_REFUSED');
  socket.emit(ServerEvents.session, {
    credential: null,
    windowSeconds: 0,
    ...(asked ? { resumed: { ok: false as const, error: { code, message } } } : {}),
  });
}
