import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { MediaReader, MediaStore, MediaUsage, MediaWrite, StoredFile } from './media-store.js';

/**
 * A MediaStore with a smaller budget of its own for images that belong to no room (uploads over
 * HTTP), for a store that keeps no such budget itself (the local directory): they are written with
 * `roomless: true`, counted until deleted, and refused with STORAGE_FULL past `maxBytes`, so they
 * can never take the disk that room images need. What a previous run left is not counted (this
 * node's memory); those images live at most ROOMLESS_UPLOAD_MAX_TTL, so the count is right again
 * within that. (RedisMediaStore counts room-less bytes in Redis, for every node together.)
 */
export class RoomlessBudget implements MediaStore {
  private readonly roomless = new Map<string, number>();
  private used = 0;

  constructor(
    private readonly inner: MediaStore,
    private readonly maxBytes: number,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async write(filename: string, source: Readable, file: MediaWrite): Promise<void> {
    if (!file.roomless) return this.inner.write(filename, source, file);
    if (this.used + file.bytes > this.maxBytes) throw new AppError('STORAGE_FULL');
    this.roomless.set(filename, file.bytes);
    this.used += file.bytes;
    try {
      await this.inner.write(filename, source, file);
    } catch (err) {
      this.forget(filename);
      throw err;
    }
  }

  read(filename: string): Promise<MediaReader | null> {
    return this.inner.read(filename);
  }

  expireSooner(filename: string, expiresAt: number): Promise<void> {
    return this.inner.expireSooner(filename, expiresAt);
  }

  async delete(filename: string): Promise<boolean> {
    const deleted = await this.inner.delete(filename);
    this.forget(filename);
    return deleted;
  }

  list(): Promise<StoredFile[]> {
    return this.inner.list();
  }

  usage(): Promise<MediaUsage> {
    return this.inner.usage();
  }

  private forget(filename: string): void {
    this.used -= this.roomless.get(filename) ?? 0;
    this.roomless.delete(filename);
  }
}
