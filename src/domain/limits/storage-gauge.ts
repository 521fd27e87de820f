import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import type { LimitStore, UsageChange } from '../../store/limit-store.js';

export interface StorageGaugeOptions {
  /** The gauge's name in the store (shared by every node). */
  name: string;
  limit: number;
  /** Deadlines are rounded up to this, so a gauge holds one entry per this long at most. */
  bucketMs: number;
}

/**
 * A total that every node adds to (all live messages' bytes, all stored images' bytes), bounded by
 * `limit`. A node checks against the total it last read plus what it added since, in its own
 * memory, and sends its additions in one batch per `sync()` (USAGE_SYNC_MS), which reads the new
 * total back: no store call per message. Bytes count until their deadline and then free
 * themselves; several nodes together may overshoot by what they add within one sync.
 */
export class StorageGauge {
  private known = 0;
  private pendingBytes = 0;
  private sendingBytes = 0;
  private pending = new Map<number, number>();
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: LimitStore,
    private readonly clock: Clock,
    private readonly options: StorageGaugeOptions,
  ) {}

  /** Throws STORAGE_FULL unless `bytes` more fit. */
  admit(bytes: number): void {
    if (this.known + this.sendingBytes + this.pendingBytes + bytes > this.options.limit)
      throw new AppError('STORAGE_FULL');
  }

  /** `bytes` are stored until `until`. */
  add(bytes: number, until: number): void {
    if (!Number.isFinite(this.options.limit)) return;
    const at = Math.ceil(until / this.options.bucketMs) * this.options.bucketMs;
    this.pending.set(at, (this.pending.get(at) ?? 0) + bytes);
    this.pendingBytes += bytes;
  }

  /** `bytes` added for `from` go sooner, at `to` (a message that burns). */
  move(bytes: number, from: number, to: number): void {
    this.add(-bytes, from);
    this.add(bytes, to);
  }

  /** Sends what this node added and reads back the total of every node; one sync at a time. */
  sync(): Promise<void> {
    const run = this.syncing.then(() => this.syncOnce());
    this.syncing = run.catch(() => undefined);
    return run;
  }

  private async syncOnce(): Promise<void> {
    if (!Number.isFinite(this.options.limit)) return;
    const batch = this.pending;
    const changes: UsageChange[] = [...batch].map(([until, bytes]) => ({ until, bytes }));
    this.pending = new Map();
    this.sendingBytes = this.pendingBytes;
    this.pendingBytes = 0;
    try {
      this.known = (await this.store.applyUsage(this.options.name, changes, this.clock())).total;
    } catch (err) {
      // Kept for the next sync: nothing added is lost from the count.
      for (const [until, bytes] of batch) this.pending.set(until, (this.pending.get(until) ?? 0) + bytes);
      this.pendingBytes += this.sendingBytes;
      throw err;
    } finally {
      this.sendingBytes = 0;
    }
  }
}
