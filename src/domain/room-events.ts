/** What the domain announces to a room; the realtime gateway delivers it on every node. */
export interface RoomEvents {
  messageExpired(roomToken: string, messageId: string): void;
  participantLeft(roomToken: string, agentId: string): void;
}
