/**
 * Burn-after-reading messages that no member other than their sender has read yet, per room, with
 * their senders: what a joining client that takes delivery as reading reads at once. Kept apart
 * from the history so a join costs one small lookup, not a walk through the room's messages.
 */
export interface UnreadStore {
  /** Records an unread message of `sender`, kept at most until `until` (the message's own deadline). */
  add(roomToken: string, messageId: string, sender: string, until: number): Promise<void>;
  /** Atomically removes and returns the room's unread messages not sent by `reader`. */
  takeFor(roomToken: string, reader: string, now: number): Promise<string[]>;
  /** Forgets messages that were read (or are gone). */
  forget(roomToken: string, messageIds: readonly string[]): Promise<void>;
}
