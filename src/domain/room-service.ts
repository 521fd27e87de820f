import { AppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { MessageStore } from '../store/message-store.js';
import type { PresenceStore, PresenceTotals } from '../store/presence-store.js';
import type { RoomStore } from '../store/room-store.js';

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

/** Presence rules: one name per room, per-connection membership, stats. */
export class RoomService {
  constructor(
    private readonly presence: PresenceStore,
    private readonly rooms: RoomStore,
    private readonly messages: MessageStore,
    private readonly clock: Clock,
    private readonly keepRoomMs: number,
    /** Connections a room holds at once (MAX_ROOM_PARTICIPANTS). */
    private readonly maxParticipants = Infinity,
  ) {}

  async join(roomToken: string, connectionId: string, agentId: string): Promise<Joined> {
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
        const now = this.clock();
        await this.rooms.touch(roomToken, now, now + this.keepRoomMs);
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
    return {
      roomToken,
      participantCount,
      messageCount,
      createdAt: createdAt === null ? null : new Date(createdAt).toISOString(),
    };
  }

  totals(): Promise<PresenceTotals> {
    return this.presence.totals();
  }
}
