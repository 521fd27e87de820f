import { NEW_ROOM_TOKEN_MIN_CHARS } from '../defaults.js';
import { AppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { MessageStore } from '../store/message-store.js';
import type { PresenceStore, PresenceTotals } from '../store/presence-store.js';
import type { RoomStore } from '../store/room-store.js';
import { assertVisibleName, lookalikeOf } from './agent-name.js';

export interface RoomStats {
  roomToken: string;
  participantCount: number;
  messageCount: number;
  createdAt: string | null;
}

export interface Joined {
  participants: string[];
  /** False when this connection was already in the room under the same name (a repeated join). */
  isNew: boolean;
}

export interface JoinOptions {
  /** A connection that was in the room goes back in (the store forgot it): no new-room rule applies. */
  rejoin?: boolean;
}

/** Presence rules: who may open a room, one visible and distinct name per room, per-connection membership, stats. */
export class RoomService {
  constructor(
    private readonly presence: PresenceStore,
    private readonly rooms: RoomStore,
    private readonly messages: MessageStore,
    private readonly clock: Clock,
    /** How long a room is kept open by a join before heartbeats take over (a shared store's TTL). */
    private readonly keepRoomMs: number,
    /** Connections a room holds at once (MAX_ROOM_PARTICIPANTS). */
    private readonly maxParticipants = Infinity,
  ) {}

  async join(roomToken: string, connectionId: string, agentId: string, options: JoinOptions = {}): Promise<Joined> {
    assertVisibleName(agentId);
    if (!options.rejoin) await this.assertMayEnter(roomToken);
    const outcome = await this.presence.join(roomToken, connectionId, agentId, this.maxParticipants);
    switch (outcome.status) {
      case 'taken':
        throw new AppError('AGENT_TAKEN');
      case 'full':
        throw new AppError('ROOM_FULL');
      case 'renamed':
        throw new AppError('ALREADY_JOINED');
      case 'already':
        return { participants: outcome.participants, isNew: false };
      case 'joined': {
        // Checked against everyone in the room once this join is in: of two look-alikes joining at
        // the same moment, neither stays (each sees the other), rather than both.
        if (lookalikeOf(agentId, outcome.participants) !== undefined) {
          await this.presence.leave(roomToken, connectionId);
          throw new AppError('AGENT_CONFUSABLE');
        }
        const now = this.clock();
        try {
          await this.rooms.touch(roomToken, now, now + this.keepRoomMs);
        } catch (err) {
          // Refused, so not in the room: no presence left behind to hold the name.
          await this.presence.leave(roomToken, connectionId).catch(() => null);
          throw err;
        }
        return { participants: outcome.participants, isNew: true };
      }
    }
  }

  leave(roomToken: string, connectionId: string): Promise<string | null> {
    return this.presence.leave(roomToken, connectionId);
  }

  async stats(roomToken: string): Promise<RoomStats> {
    const now = this.clock();
    const [participantCount, messageCount, createdAt] = await Promise.all([
      this.presence.count(roomToken),
      this.messages.count(roomToken, now),
      this.rooms.createdAt(roomToken, now),
    ]);
    const open = participantCount > 0 || messageCount > 0;
    return {
      roomToken,
      participantCount,
      messageCount,
      createdAt: open && createdAt !== null ? new Date(createdAt).toISOString() : null,
    };
  }

  totals(): Promise<PresenceTotals> {
    return this.presence.totals();
  }

  /**
   * A token too short to be hard to guess may reach a room that exists (someone holds its link),
   * but not open a new one: ROOM_TOKEN_TOO_SHORT.
   */
  private async assertMayEnter(roomToken: string): Promise<void> {
    if (roomToken.replaceAll('-', '').length >= NEW_ROOM_TOKEN_MIN_CHARS) return;
    const [participants, messages] = await Promise.all([
      this.presence.count(roomToken),
      this.messages.count(roomToken, this.clock()),
    ]);
    if (participants === 0 && messages === 0) {
      throw new AppError(
        'ROOM_TOKEN_TOO_SHORT',
        `A new room needs a token of at least ${NEW_ROOM_TOKEN_MIN_CHARS} letters or digits`,
      );
    }
  }
}
