import {
  RESUME_MAX_HELD_PER_ROOM,
  type ResumeOutcome,
  type ResumeRequest,
  type SessionPayload,
} from '../protocol/resume.js';

/**
 * What a client keeps to resume its connection (feature `resume`): the latest credential and, per
 * room it is in, the ids of the messages it holds, in the order they arrived. In memory only.
 */
export class ResumeState {
  private credential: string | null = null;
  /** A handshake asked to resume and its outcome has not come yet. */
  pending = false;
  private readonly rooms = new Map<string, { order: string[]; ids: Set<string> }>();

  /** A `session` event: its credential replaces the last one. A refused resume leaves no room. */
  session(payload: SessionPayload): void {
    this.credential = payload.credential;
    this.pending = false;
    if (payload.resumed && !payload.resumed.ok) this.rooms.clear();
    for (const room of payload.resumed?.ok ? payload.resumed.rooms : []) {
      if (!room.rejoined) this.rooms.delete(room.roomToken);
    }
  }

  /**
   * No `session` came after a handshake that asked to resume: a node without the feature (an older
   * release during an upgrade). Taken as a refusal: no room kept, and no credential, since that
   * node gives none.
   */
  unanswered(): ResumeOutcome {
    this.credential = null;
    this.pending = false;
    this.rooms.clear();
    return { ok: false, error: { code: 'RESUME_REFUSED', message: 'The server did not answer the resume' } };
  }

  joined(roomToken: string): void {
    if (!this.rooms.has(roomToken)) this.rooms.set(roomToken, { order: [], ids: new Set() });
  }

  left(roomToken: string): void {
    this.rooms.delete(roomToken);
  }

  /** Records a message as held; false when it already was (a message replayed and delivered live both). */
  received(roomToken: string, messageId: string): boolean {
    const room = this.rooms.get(roomToken);
    if (!room) return true;
    if (room.ids.has(messageId)) return false;
    room.ids.add(messageId);
    room.order.push(messageId);
    if (room.order.length > RESUME_MAX_HELD_PER_ROOM * 2) {
      for (const old of room.order.splice(0, room.order.length - RESUME_MAX_HELD_PER_ROOM)) room.ids.delete(old);
    }
    return true;
  }

  expired(roomToken: string, messageId: string): void {
    const room = this.rooms.get(roomToken);
    if (!room?.ids.delete(messageId)) return;
    room.order.splice(room.order.lastIndexOf(messageId), 1);
  }

  /** What to send as `auth.resume` on reconnecting; undefined before the first credential. */
  request(): ResumeRequest | undefined {
    this.pending = this.credential !== null;
    if (this.credential === null) return undefined;
    const rooms = [...this.rooms].map(([roomToken, room]) => ({
      roomToken,
      held: room.order.slice(-RESUME_MAX_HELD_PER_ROOM).reverse(),
    }));
    return { credential: this.credential, rooms };
  }
}
