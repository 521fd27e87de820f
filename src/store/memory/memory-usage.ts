import { MinHeap } from '../../lib/min-heap.js';
import type { UsageChange, UsageOutcome } from '../limit-store.js';

/**
 * One byte gauge in process memory: bytes per deadline, and their total. What passed its deadline
 * is subtracted the next time the gauge is used, so nothing runs in the background.
 */
export class MemoryUsage {
  private total = 0;
  private readonly byDeadline = new Map<number, number>();
  private readonly deadlines = new MinHeap<number>((at) => at);

  get empty(): boolean {
    return this.byDeadline.size === 0;
  }

  apply(changes: readonly UsageChange[], now: number, limit: number): UsageOutcome {
    this.forgetUntil(now);
    let added = 0;
    for (const { until, bytes } of changes) if (until > now) added += bytes;
    if (added > 0 && this.total + added > limit) {
      return { applied: false, total: this.total, retryAfterMs: this.freedAfter(this.total + added - limit, now) };
    }
    for (const { until, bytes } of changes) {
      if (until <= now) continue;
      const old = this.byDeadline.get(until) ?? 0;
      const next = Math.max(0, old + bytes);
      this.total += next - old;
      if (next === 0) this.byDeadline.delete(until);
      else {
        if (old === 0) this.deadlines.push(until);
        this.byDeadline.set(until, next);
      }
    }
    return { applied: true, total: this.total, retryAfterMs: 0 };
  }

  private forgetUntil(now: number): void {
    for (let at = this.deadlines.peek(); at !== undefined && at <= now; at = this.deadlines.peek()) {
      this.deadlines.pop();
      this.total -= this.byDeadline.get(at) ?? 0;
      this.byDeadline.delete(at);
    }
  }

  /** Ms until at least `needed` bytes have passed their deadline (-1: never, it is more than is held). */
  private freedAfter(needed: number, now: number): number {
    let freed = 0;
    for (const at of [...this.byDeadline.keys()].sort((a, b) => a - b)) {
      freed += this.byDeadline.get(at)!;
      if (freed >= needed) return at - now;
    }
    return -1;
  }
}
