import { MinHeap } from '../../lib/min-heap.js';
import type { DueImage, ImageRecord, ImageRef, ImageStore } from '../image-store.js';

interface Deadline {
  at: number;
  id: string;
}

/** Images in process memory: records by id, two indexes, and a heap of deadlines. */
export class MemoryImageStore implements ImageStore {
  private readonly records = new Map<string, ImageRecord>();
  private readonly byFilename = new Map<string, string>();
  private readonly byMessage = new Map<string, string>();
  // As in MemoryMessageStore: a moved deadline pushes a new entry; stale ones are skipped on pop.
  private readonly schedule = new MinHeap<Deadline>((d) => d.at);

  async put(record: ImageRecord): Promise<void> {
    this.records.set(record.id, structuredClone(record));
    this.byFilename.set(record.filename, record.id);
    if (record.carrier) this.byMessage.set(record.carrier.messageId, record.id);
    this.schedule.push({ at: record.expiresAt, id: record.id });
  }

  async get(id: string, now: number): Promise<ImageRecord | null> {
    const record = this.records.get(id);
    return record && record.expiresAt > now ? structuredClone(record) : null;
  }

  getByFilename(filename: string, now: number): Promise<ImageRecord | null> {
    const id = this.byFilename.get(filename);
    return id === undefined ? Promise.resolve(null) : this.get(id, now);
  }

  getByMessage(messageId: string, now: number): Promise<ImageRecord | null> {
    const id = this.byMessage.get(messageId);
    return id === undefined ? Promise.resolve(null) : this.get(id, now);
  }

  async expireSooner(ref: ImageRef, expiresAt: number): Promise<boolean> {
    const record = this.records.get(ref.id);
    if (!record || record.expiresAt <= expiresAt) return false;
    record.expiresAt = expiresAt;
    this.schedule.push({ at: expiresAt, id: ref.id });
    return true;
  }

  async remove(ref: ImageRef): Promise<boolean> {
    const record = this.records.get(ref.id);
    if (!record) return false;
    this.records.delete(ref.id);
    this.byFilename.delete(record.filename);
    if (record.carrier) this.byMessage.delete(record.carrier.messageId);
    return true;
  }

  async claimDue(now: number, limit: number): Promise<DueImage[]> {
    const due: DueImage[] = [];
    while (due.length < limit) {
      const next = this.schedule.peek();
      if (!next || next.at > now) break;
      this.schedule.pop();
      const record = this.records.get(next.id);
      if (!record || record.expiresAt !== next.at) continue;
      await this.remove(record);
      due.push({ id: record.id, filename: record.filename, carrier: record.carrier, dueAt: next.at });
    }
    return due;
  }
}
