import { createHash, randomBytes } from 'node:crypto';
import { toAppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { asRevealerReceives, type ChatMessage, type NewMessage } from '../protocol/messages.js';
import type { ResumeError } from '../protocol/resume.js';
import type { MessageStore } from '../store/message-store.js';
import type { ResumeRecord, ResumeStore } from '../store/resume-store.js';
import type { BurnAfterReading } from './burn-after-reading.js';
import { revealsItself } from './connection-id.js';
import type { RoomService } from './room-service.js';

export interface RecoveryPolicy {
  /** How long a credential resumes its connection after the connection was last seen (RECOVERY_WINDOW_SECONDS). */
  windowMs: number;
  /** Past this many missed messages (or bytes of them) in a room, its gap is reported, not replayed. */
  maxReplayMessages: number;
  maxReplayBytes: number;
}

/** A credential given to a client, and the key its record is kept under (the credential's hash). */
export interface Credential {
  credential: string;
  key: string;
}

export type SessionRooms = ResumeRecord['rooms'];

/** A room the resumed connection is back in; `announce` when the others had seen its earlier one leave. */
export interface RoomReentered {
  roomToken: string;
  agentId: string;
  participants: string[];
  /** The earlier connection had already left (the others saw it go): they hear this one join. */
  announce: boolean;
}

export interface RoomResumed {
  roomToken: string;
  rejoined: boolean;
  recovered: boolean;
  error?: ResumeError;
  /** Held messages that went meanwhile. */
  gone: string[];
  /** The missed messages in order, as a live delivery to this connection would have carried them. */
  replay: Array<{ message: NewMessage; burnsAt: number | null }>;
}

export interface Resumed {
  /** Null when none could be kept (`credentialError`): this connection cannot be resumed in turn. */
  session: Credential | null;
  credentialError?: unknown;
  /** The connection this one replaced (it may linger on its node until told to go). */
  previous: string;
  rooms: RoomResumed[];
  /** The rooms the new connection is in, as its record names them. */
  kept: SessionRooms;
  /**
   * Rooms the earlier connection left now, the others to be told: those the client did not name,
   * and those whose ghost went but which this one could not re-enter.
   */
  departed: SessionRooms;
}

/** The credential's key in the store: a hash, so what the store holds cannot resume anything. */
export const credentialKey = (credential: string): string =>
  createHash('sha256').update(credential).digest('base64url');

/**
 * Resuming a connection that dropped, on any node, within the recovery window: single-use
 * credentials whose records (kept under the credential's hash) name the connection's rooms and
 * names; taking one back into its rooms replaces its earlier connection's presence at once, and
 * catches it up on what it missed from the stored history and expiry. Nothing here starts a burn
 * that a join would not: a connection that reveals messages itself gets burn-after-reading
 * messages unrevealed.
 */
export class SessionRecovery {
  constructor(
    private readonly store: ResumeStore,
    private readonly rooms: RoomService,
    private readonly messages: MessageStore,
    private readonly burns: BurnAfterReading,
    private readonly policy: RecoveryPolicy,
    private readonly clock: Clock,
  ) {}

  get windowSeconds(): number {
    return Math.round(this.policy.windowMs / 1000);
  }

  /** A new credential for the connection, whose record names `rooms`. */
  async open(connectionId: string, rooms: SessionRooms = []): Promise<Credential> {
    const credential = randomBytes(32).toString('base64url');
    const key = credentialKey(credential);
    await this.save(key, connectionId, rooms);
    return { credential, key };
  }

  /**
   * The resumed connection went before its new credential reached it: the credential it resumed
   * with (all its client holds) resumes it instead, so a drop during a resume does not cost the
   * session. `unsent` (the new one) resumes nothing from now.
   */
  async handBack(credential: string, unsent: Credential | null, connectionId: string, rooms: SessionRooms) {
    const key = credentialKey(credential);
    await this.save(key, connectionId, rooms);
    if (unsent) await this.forget(unsent.key).catch(() => undefined);
    return { credential, key };
  }

  /** The connection's rooms changed (a join or a leave). */
  save(key: string, connectionId: string, rooms: SessionRooms): Promise<void> {
    return this.store.save(key, { connectionId, rooms }, this.policy.windowMs);
  }

  /** The connections are still there (or just dropped): their windows start again now. */
  refresh(keys: readonly string[]): Promise<void> {
    return this.store.refresh(keys, this.policy.windowMs);
  }

  /** The connection left for good (its client closed it, or resumed it elsewhere). */
  forget(key: string): Promise<void> {
    return this.store.forget(key);
  }

  /** Where a joining connection's catch-up in the room starts. */
  floor(roomToken: string): Promise<number> {
    return this.messages.position(roomToken);
  }

  /**
   * Takes the session of `credential` up on `connectionId`: null when the credential resumes
   * nothing (used, expired, never given). Otherwise each of its rooms that the client names in
   * `held` is re-entered under its earlier name (the others are left), and caught up from what the
   * client held there. `reentered` puts the connection in the room's broadcasts before its
   * catch-up is read, so nothing said meanwhile falls between the two.
   */
  async resume(
    credential: string,
    connectionId: string,
    held: ReadonlyMap<string, readonly string[]>,
    reentered: (room: RoomReentered) => Promise<void>,
  ): Promise<Resumed | null> {
    const record = await this.store.take(credentialKey(credential));
    if (!record) return null;
    const results: RoomResumed[] = [];
    const kept: SessionRooms = [];
    const departed: SessionRooms = [];
    for (const room of record.rooms) {
      // A room the client no longer names, it left while away: its earlier connection leaves it now.
      if (!held.has(room.roomToken)) {
        if ((await this.rooms.leave(room.roomToken, record.connectionId).catch(() => null)) !== null)
          departed.push(room);
        continue;
      }
      const ids = held.get(room.roomToken) ?? [];
      const result = await this.resumeRoom(record.connectionId, connectionId, room, ids, reentered);
      results.push(result.room);
      if (result.kept) kept.push(result.kept);
      if (result.departed) departed.push(result.departed);
    }
    const known = new Set(record.rooms.map((r) => r.roomToken));
    for (const roomToken of held.keys()) {
      if (known.has(roomToken)) continue;
      const error = { code: 'NOT_A_MEMBER', message: 'This session was not in that room' };
      results.push({ roomToken, rejoined: false, recovered: false, error, gone: [], replay: [] });
    }
    // The connection is back in its rooms whatever happens now: a credential that cannot be kept
    // costs only the resumability of this connection, not the resume.
    let session: Credential | null = null;
    let credentialError: unknown;
    try {
      session = await this.open(connectionId, kept);
    } catch (err) {
      credentialError = err;
    }
    return { session, credentialError, previous: record.connectionId, rooms: results, kept, departed };
  }

  private async resumeRoom(
    previous: string,
    connectionId: string,
    room: SessionRooms[number],
    held: readonly string[],
    reentered: (room: RoomReentered) => Promise<void>,
  ): Promise<{ room: RoomResumed; kept?: SessionRooms[number]; departed?: SessionRooms[number] }> {
    const { roomToken, agentId } = room;
    let replaced = false;
    try {
      // The earlier connection (a ghost until its node noticed) goes first; when it was still there
      // the others never saw it leave, and this is no new join: no new-room rule applies.
      replaced = (await this.rooms.leave(roomToken, previous)) !== null;
      const joined = await this.rooms.join(roomToken, connectionId, agentId, { rejoin: replaced });
      try {
        await this.burns.joined({ roomToken, agentId }, connectionId);
        await reentered({ roomToken, agentId, participants: joined.participants, announce: !replaced });
      } catch (err) {
        // Not rejoined, so not in the room: no presence left to hold the name or keep the room.
        if (joined.isNew) await this.rooms.leave(roomToken, connectionId).catch(() => null);
        throw err;
      }
    } catch (err) {
      const { code, message } = toAppError(err);
      const failed = { roomToken, rejoined: false, recovered: false, error: { code, message }, gone: [], replay: [] };
      // The others never saw the earlier connection go: they are told now.
      return { room: failed, departed: replaced ? room : undefined };
    }
    try {
      const now = this.clock();
      const caught = await this.messages.catchUp(roomToken, now, {
        held,
        floor: room.floor,
        limit: this.policy.maxReplayMessages,
        maxBytes: this.policy.maxReplayBytes,
      });
      // A gap too long to replay is reported whole: the client reads the history instead.
      const replay = caught.complete
        ? caught.messages.map(({ message, expiresAt }) => ({
            message: this.asDelivered(message, connectionId, replaced ? agentId : null),
            burnsAt: this.burns.burningUntil(message, expiresAt),
          }))
        : [];
      return {
        room: { roomToken, rejoined: true, recovered: caught.complete, gone: caught.gone, replay },
        kept: { roomToken, agentId, floor: caught.position },
      };
    } catch (err) {
      const { code, message } = toAppError(err);
      const floor = room.floor;
      return {
        room: { roomToken, rejoined: true, recovered: false, error: { code, message }, gone: [], replay: [] },
        kept: { roomToken, agentId, floor },
      };
    }
  }

  /**
   * As a live delivery carries it: unrevealed to a connection that reveals messages itself, unless
   * it sent it. `ownName` only when its earlier connection held the name throughout the gap (was
   * replaced): once that one had left, anyone may have spoken under the name meanwhile.
   */
  private asDelivered(message: ChatMessage, connectionId: string, ownName: string | null): NewMessage {
    return revealsItself(connectionId) ? asRevealerReceives(message, ownName) : message;
  }
}
