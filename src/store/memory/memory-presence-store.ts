import type { Departure, JoinOutcome, PresenceStore, PresenceTotals, RoomConnection } from '../presence-store.js';

interface Room {
  byConnection: Map<string, string>;
  byAgent: Map<string, string>;
}

/** Presence for a single process: nothing to reap, since connections and presence die together. */
export class MemoryPresenceStore implements PresenceStore {
  private readonly rooms = new Map<string, Room>();
  private participantsTotal = 0;

  /** `onRoomEmptied` hears of each room whose last connection left. */
  constructor(private readonly onRoomEmptied: (roomToken: string) => void = () => {}) {}

  has(roomToken: string): boolean {
    return this.rooms.has(roomToken);
  }

  async join(
    roomToken: string,
    connectionId: string,
    agentId: string,
    maxParticipants = Infinity,
  ): Promise<JoinOutcome> {
    let room = this.rooms.get(roomToken);
    if (!room) {
      room = { byConnection: new Map(), byAgent: new Map() };
      this.rooms.set(roomToken, room);
    }
    const current = room.byConnection.get(connectionId);
    if (current !== undefined) {
      if (current !== agentId) return { status: 'renamed' };
      return { status: 'already', participants: [...room.byConnection.values()] };
    }
    if (room.byAgent.has(agentId)) return { status: 'taken' };
    if (room.byConnection.size >= maxParticipants) return { status: 'full' };
    room.byConnection.set(connectionId, agentId);
    room.byAgent.set(agentId, connectionId);
    this.participantsTotal++;
    return { status: 'joined', participants: [...room.byConnection.values()] };
  }

  async leave(roomToken: string, connectionId: string): Promise<string | null> {
    const room = this.rooms.get(roomToken);
    const agentId = room?.byConnection.get(connectionId);
    if (!room || agentId === undefined) return null;
    room.byConnection.delete(connectionId);
    room.byAgent.delete(agentId);
    this.participantsTotal--;
    if (room.byConnection.size === 0) {
      this.rooms.delete(roomToken);
      this.onRoomEmptied(roomToken);
    }
    return agentId;
  }

  async participants(roomToken: string): Promise<string[]> {
    return [...(this.rooms.get(roomToken)?.byConnection.values() ?? [])];
  }

  async connections(roomToken: string): Promise<RoomConnection[]> {
    return [...(this.rooms.get(roomToken)?.byConnection ?? [])].map(([connectionId, agentId]) => ({
      connectionId,
      agentId,
    }));
  }

  async count(roomToken: string): Promise<number> {
    return this.rooms.get(roomToken)?.byConnection.size ?? 0;
  }

  async totals(): Promise<PresenceTotals> {
    return { activeRooms: this.rooms.size, totalParticipants: this.participantsTotal };
  }

  async reapDeparted(): Promise<Departure[]> {
    return [];
  }

  async removeNode(): Promise<Departure[]> {
    return [];
  }

  async heartbeat(): Promise<void> {}
}
