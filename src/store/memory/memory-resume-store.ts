import type { Clock } from '../../lib/clock.js';
import { MinHeap } from '../../lib/min-heap.js';
import type { ResumeRecord, ResumeStore } from '../resume-store.js';

interface Entry {
  record: ResumeRecord;
  until: number;
}

/** Resume records in process memory, dropped at their deadline as time goes by. */
export class MemoryResumeStore implements ResumeStore {
  private readonly records = new Map<string, Entry>();
  // A refreshed or replaced record leaves its old deadline here; it is skipped when it no longer matches.
  private readonly deadlines = new MinHeap<{ at: number; key: string }>((d) => d.at);

  constructor(private readonly now: Clock) {}

  async save(key: string, record: ResumeRecord, ttlMs: number): Promise<void> {
    this.dropDue();
    this.keep(key, { record: structuredClone(record), until: this.now() + ttlMs });
  }

  async take(key: string): Promise<ResumeRecord | null> {
    this.dropDue();
    const entry = this.records.get(key);
    this.records.delete(key);
    return entry ? entry.record : null;
  }

  async refresh(keys: readonly string[], ttlMs: number): Promise<void> {
    this.dropDue();
    for (const key of keys) {
      const entry = this.records.get(key);
      if (entry) this.keep(key, { record: entry.record, until: this.now() + ttlMs });
    }
  }

  async forget(key: string): Promise<void> {
    this.records.delete(key);
  }

  private keep(key: string, entry: Entry): void {
    this.records.set(key, entry);
    this.deadlines.push({ at: entry.until, key });
  }

  private dropDue(): void {
    const now = this.now();
    for (let due = this.deadlines.peek(); due && due.at <= now; due = this.deadlines.peek()) {
      this.deadlines.pop();
      const entry = this.records.get(due.key);
      if (entry && entry.until <= now) this.records.delete(due.key);
    }
  }
}
