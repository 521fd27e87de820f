import type { Rate } from '../lib/gcra.js';

/** Bytes held until a deadline: added (positive) or given back early (negative). */
export interface UsageChange {
  /** Epoch ms after which these bytes no longer count. */
  until: number;
  bytes: number;
}

export interface UsageOutcome {
  /** Whether the changes were applied (false only when they would have passed the limit). */
  applied: boolean;
  /** The live total after this call. */
  total: number;
  /** When refused: ms until enough has expired for the changes to fit. */
  retryAfterMs: number;
}

/**
 * What client limits share between nodes: token buckets (per address HTTP rates), byte totals that
 * free themselves at deadlines (stored bytes per address, the whole cluster's totals), and the
 * per-period salt under which addresses are hashed. Every key carries the name a caller chose
 * (a hashed address, never a plain one) and lives no longer than what it counts.
 */
export interface LimitStore {
  /** Takes `cost` tokens from the bucket `key`: 0 when taken, else ms until they would be there. */
  take(key: string, rate: Rate, now: number, cost?: number): Promise<number>;
  /**
   * Forgets the bytes of the gauge `name` whose deadline passed, then applies `changes` unless
   * their net addition would take the total above `limit` (a release always applies).
   */
  applyUsage(name: string, changes: readonly UsageChange[], now: number, limit?: number): Promise<UsageOutcome>;
  /**
   * The salt of `period`: random, the same for every caller, kept until `forgetAt` (epoch ms) and
   * then gone for good.
   */
  salt(period: number, forgetAt: number): Promise<Buffer>;
}
