/** A resumable connection as the store keeps it, under the hash of its credential. */
export interface ResumeRecord {
  /** The connection to replace: its presence goes when the session is resumed, on whatever node. */
  connectionId: string;
  /** The rooms it is in, with its name in each and the room's position when it joined (or resumed). */
  rooms: Array<{ roomToken: string; agentId: string; floor: number }>;
}

/**
 * Resume credentials' records, by the hash of the credential (never the credential itself), each
 * for a bounded time. A record is taken once: of two resumes with one credential, one wins.
 */
export interface ResumeStore {
  /** Keeps `record` under `key` for `ttlMs`, replacing what was there. */
  save(key: string, record: ResumeRecord, ttlMs: number): Promise<void>;
  /** Removes and returns the record under `key`; null when there is none (taken, expired, never made). */
  take(key: string): Promise<ResumeRecord | null>;
  /** Keeps the records under `keys` another `ttlMs` from now; those gone stay gone. */
  refresh(keys: readonly string[], ttlMs: number): Promise<void>;
  /** Drops the record under `key` (its connection left for good). */
  forget(key: string): Promise<void>;
}
