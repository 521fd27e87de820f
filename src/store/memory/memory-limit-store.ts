import { randomBytes } from 'node:crypto';
import { gcraTake, type Rate } from '../../lib/gcra.js';
import type { LimitStore, UsageChange, UsageOutcome } from '../limit-store.js';
import { MemoryUsage } from './memory-usage.js';

/** Buckets and gauges are swept for forgotten entries each time this many new ones were made. */
const SWEEP_EVERY = 1_024;

/** Client limits for a single process. */
export class MemoryLimitStore implements LimitStore {
  private readonly buckets = new Map<string, number>();
  private readonly gauges = new Map<string, MemoryUsage>();
  private readonly salts = new Map<number, { salt: Buffer; forgetAt: number }>();
  private made = 0;

  async take(key: string, rate: Rate, now: number, cost = 1): Promise<number> {
    const taken = gcraTake(this.buckets.get(key) ?? now, now, rate, cost);
    if (taken.retryAfterMs === 0) {
      if (!this.buckets.has(key)) this.sweepSometimes(now);
      this.buckets.set(key, taken.tat);
    }
    return taken.retryAfterMs;
  }

  async applyUsage(
    name: string,
    changes: readonly UsageChange[],
    now: number,
    limit = Infinity,
  ): Promise<UsageOutcome> {
    let gauge = this.gauges.get(name);
    if (!gauge) {
      this.sweepSometimes(now);
      gauge = new MemoryUsage();
      this.gauges.set(name, gauge);
    }
    const outcome = gauge.apply(changes, now, limit);
    if (gauge.empty) this.gauges.delete(name);
    return outcome;
  }

  async salt(period: number, forgetAt: number): Promise<Buffer> {
    let entry = this.salts.get(period);
    if (!entry) {
      entry = { salt: randomBytes(32), forgetAt };
      this.salts.set(period, entry);
    }
    return entry.salt;
  }

  /** Drops full buckets, empty gauges and forgotten salts, a little at a time. */
  private sweepSometimes(now: number): void {
    if (++this.made % SWEEP_EVERY !== 0) return;
    for (const [key, tat] of this.buckets) if (tat <= now) this.buckets.delete(key);
    for (const [name, gauge] of this.gauges) {
      gauge.apply([], now, Infinity);
      if (gauge.empty) this.gauges.delete(name);
    }
    for (const [period, { forgetAt }] of this.salts) if (forgetAt <= now) this.salts.delete(period);
  }
}
