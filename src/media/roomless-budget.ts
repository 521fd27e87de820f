import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { MediaReader, MediaStore, MediaUsage, StoredFile } from './media-store.js';

/**
 * A MediaStore with a smaller budget of its own for images that belong to no room (uploads over
 * HTTP): they are written with `writeRoomless`, counted until deleted, and refused with
 * STORAGE_FULL past `maxBytes`, so they can never take the disk that room images need. What a
 * previous run left is not counted (this node's memory); those images live at most
 * ROOMLESS_UPLOAD_MAX_TTL, so the count is right again within that.
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

  write(filename: string, source: Readable, bytes: number): Promise<void> {
    return this.inner.write(filename, source, bytes);
  }

  async writeRoomless(filename: string, source: Readable, bytes: number): Promise<void> {
    if (this.used + bytes > this.maxBytes) throw new AppError('STORAGE_FULL');
    this.roomless.set(filename, bytes);
    this.used += bytes;
    try {
      await this.inner.write(filename, source, bytes);
    } catch (err) {
      this.forget(filename);
      throw err;
    }
  }

  read(filename: string): Promise<MediaReader | null> {
    return this.inner.read(filename);
  }

  async delete(filename: string): Promise<boolean> {
    const deleted = await this.inner.delete(filename);
    this.forget(filename);
    return deleted;
  }

  list(): Promise<StoredFile[]> {
    return this.inner.list();
  }

  usage(): MediaUsage {
    return this.inner.usage();
  }

  private forget(filename: string): void {
    this.used -= this.roomless.get(filename) ?? 0;
    this.roomless.delete(filename);
  }
}
