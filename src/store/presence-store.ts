export type JoinOutcome =
  | { status: 'joined'; participants: string[] }
  | { status: 'already'; participants: string[] }
  | { status: 'taken' }
  | { status: 'renamed' };

export interface PresenceTotals {
  activeRooms: number;
  totalParticipants: number;
}

/** One connection in a room, with the name it joined under. */
export interface RoomConnection {
  connectionId: string;
  agentId: string;
}

export interface Departure {
  roomToken: string;
  agentId: string;
}

/**
 * Who is in which room, per (room, connection): two connections with one name never merge, and
 * each connection may be in several rooms. Connection ids are unique across nodes.
 */
export interface PresenceStore {
  /**
   * Adds the connection to the room as agentId. `taken` when another connection holds that name in
   * the room; `renamed` when this connection is already there under another name.
   */
  join(roomToken: string, connectionId: string, agentId: string): Promise<JoinOutcome>;
  /** Removes the connection from the room; returns the name it had, or null if it was not there. */
  leave(roomToken: string, connectionId: string): Promise<string | null>;
  participants(roomToken: string): Promise<string[]>;
  /** The room's connections with their names (the burn rule needs to tell them apart). */
  connections(roomToken: string): Promise<RoomConnection[]>;
  count(roomToken: string): Promise<number>;
  totals(): Promise<PresenceTotals>;
  /** Departures of connections whose node stopped answering; each reported once. */
  reapDeparted(now: number): Promise<Departure[]>;
  /**
   * Takes every connection of `nodeId` out of its rooms at once, without waiting for its heartbeat
   * to lapse: on a clean stop for this node, or when a node is known to have died (a cluster's
   * primary saw its worker exit). Each departure is reported once, however many nodes ask.
   */
  removeNode(nodeId: string): Promise<Departure[]>;
  /** Marks this node alive; called periodically. */
  heartbeat(now: number): Promise<void>;
}
