/**
 * A token bucket kept as one number (GCRA, the generic cell rate algorithm): the "theoretical
 * arrival time" `tat` at which the bucket would be full again. A token comes back every
 * `intervalMs`, at most `burst` are held. O(1) and no timers; the Redis script in
 * store/redis/limit-scripts.ts does the same arithmetic for buckets that several nodes share.
 */
export interface Rate {
  /** One token returns every this many ms (may be fractional: byte buckets). */
  intervalMs: number;
  /** Tokens a full bucket holds. */
  burst: number;
}

/** `count` per `periodMs`, at most `burst` at once; null for an unlimited (Infinity) count. */
export function rateOf(count: number, periodMs: number, burst = count): Rate | null {
  return Number.isFinite(count) ? { intervalMs: periodMs / count, burst } : null;
}

/**
 * Takes `cost` tokens when the bucket holds them: returns the new `tat` and 0, or the unchanged
 * `tat` and how many ms until it would hold them.
 */
export function gcraTake(tat: number, now: number, rate: Rate, cost = 1): { tat: number; retryAfterMs: number } {
  const next = Math.max(tat, now) + rate.intervalMs * cost;
  const allowAt = next - rate.intervalMs * rate.burst;
  return allowAt > now ? { tat, retryAfterMs: allowAt - now } : { tat: next, retryAfterMs: 0 };
}

/** Takes `cost` tokens even when the bucket lacks them: the new `tat`, in debt if need be. */
export function gcraCharge(tat: number, now: number, rate: Rate, cost: number): number {
  return Math.max(tat, now) + rate.intervalMs * cost;
}

/** How many ms the bucket is in debt (0 when it holds at least nothing). */
export function gcraDebtMs(tat: number, now: number, rate: Rate): number {
  return Math.max(0, tat - rate.intervalMs * rate.burst - now);
}

/** One bucket in this process (per address on this node). A null rate never refuses. */
export class TokenBucket {
  private tat = 0;

  constructor(private readonly rate: Rate | null) {}

  /** 0 when `cost` tokens were taken, else ms until they could be. */
  take(now: number, cost = 1): number {
    if (!this.rate) return 0;
    const taken = gcraTake(this.tat, now, this.rate, cost);
    this.tat = taken.tat;
    return taken.retryAfterMs;
  }

  /** Empties the bucket so that it gives nothing before `until` (epoch ms). */
  blockUntil(until: number): void {
    if (this.rate) this.tat = Math.max(this.tat, until + this.rate.intervalMs * (this.rate.burst - 1));
  }

  /** True when the bucket is full: nothing to remember about it. */
  full(now: number): boolean {
    return this.tat <= now;
  }
}
