import { mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { isImageFilename } from './image-names.js';
import type { MediaStore, MediaUsage, StoredFile } from './media-store.js';

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Sealed images as files in one directory (UPLOAD_DIR), owner-only. Disk use is bounded: bytes are
 * reserved before a write, so concurrent uploads cannot overshoot the limit together.
 */
export class LocalMediaStore implements MediaStore {
  private readonly dir: string;
  private readonly sizes = new Map<string, number>();
  private used = 0;

  constructor(
    dir: string,
    private readonly maxTotalBytes: number,
  ) {
    this.dir = path.resolve(dir);
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.sizes.clear();
    this.used = 0;
    for (const file of await this.list()) this.account(file.filename, file.bytes);
  }

  async write(filename: string, bytes: Buffer): Promise<void> {
    const target = this.pathOf(filename);
    if (target === null) throw new Error('refusing to write a file that is not a generated image name');
    if (this.used + bytes.length > this.maxTotalBytes) {
      throw new AppError('STORAGE_FULL');
    }
    this.account(filename, bytes.length);
    try {
      await writeFile(target, bytes, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      this.forget(filename);
      throw err;
    }
  }

  async read(filename: string): Promise<Buffer | null> {
    const target = this.pathOf(filename);
    if (target === null) return null;
    try {
      return await readFile(target);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async delete(filename: string): Promise<boolean> {
    const target = this.pathOf(filename);
    if (target === null) return false;
    try {
      await unlink(target);
      this.forget(filename);
      return true;
    } catch (err) {
      if (isMissing(err)) {
        this.forget(filename);
        return false;
      }
      throw err;
    }
  }

  async list(): Promise<StoredFile[]> {
    const files: StoredFile[] = [];
    // Only names this server generates: anything else in the directory is not ours to touch.
    for (const entry of await readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isFile() || !isImageFilename(entry.name)) continue;
      try {
        const info = await stat(path.join(this.dir, entry.name));
        files.push({ filename: entry.name, bytes: info.size, modifiedAt: info.mtimeMs });
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    return files;
  }

  usage(): MediaUsage {
    return { bytes: this.used, limit: this.maxTotalBytes };
  }

  /** The file's path, or null for any name that is not a generated image name (checked before any disk access). */
  private pathOf(filename: string): string | null {
    if (!isImageFilename(filename)) return null;
    const target = path.join(this.dir, filename);
    return path.dirname(target) === this.dir ? target : null;
  }

  private account(filename: string, bytes: number): void {
    this.forget(filename);
    this.sizes.set(filename, bytes);
    this.used += bytes;
  }

  private forget(filename: string): void {
    const bytes = this.sizes.get(filename);
    if (bytes === undefined) return;
    this.sizes.delete(filename);
    this.used -= bytes;
  }
}
