/** When a room was first opened; kept while it has participants or messages. */
export interface RoomStore {
  /** Records the room as open at least until `keepUntil`; returns when it was first opened. */
  touch(roomToken: string, now: number, keepUntil: number): Promise<number>;
  createdAt(roomToken: string, now: number): Promise<number | null>;
}
