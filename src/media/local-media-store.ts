import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import { isImageFilename } from './image-names.js';
import type { MediaReader, MediaStore, MediaUsage, MediaWrite, StoredFile } from './media-store.js';
import { isMissingFile } from './missing-file.js';

/**
 * Sealed images as files in one directory (UPLOAD_DIR), owner-only. Disk use is bounded: a file's
 * bytes are reserved before it is written, so concurrent uploads cannot overshoot the limit together.
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

  async write(filename: string, source: Readable, { bytes }: MediaWrite): Promise<void> {
    const target = this.pathOf(filename);
    if (target === null) throw new Error('refusing to write a file that is not a generated image name');
    if (this.sizes.has(filename)) throw new Error('refusing to overwrite a stored image');
    if (this.used + bytes > this.maxTotalBytes) throw new AppError('STORAGE_FULL');
    this.account(filename, bytes);
    let written = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        done(written > bytes ? new Error('the source is longer than declared') : null, chunk);
      },
      flush(done) {
        done(written < bytes ? new Error('the source is shorter than declared') : null);
      },
    });
    try {
      await pipeline(source, measure, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    } catch (err) {
      // Only what this call reserved is forgotten (the name was not known before it), and a file
      // is removed only if this call created it: `wx` failing means it was someone else's.
      this.forget(filename);
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await unlink(target).catch(() => undefined);
      throw err;
    }
  }

  async read(filename: string): Promise<MediaReader | null> {
    const target = this.pathOf(filename);
    if (target === null) return null;
    try {
      const handle = await open(target, 'r');
      try {
        const { size } = await handle.stat();
        return { bytes: size, stream: handle.createReadStream() };
      } catch (err) {
        await handle.close();
        throw err;
      }
    } catch (err) {
      if (isMissingFile(err)) return null;
      throw err;
    }
  }

  /** Files do not expire by themselves: the image janitor deletes them at the image's deadline. */
  expireSooner(): Promise<void> {
    return Promise.resolve();
  }

  async delete(filename: string): Promise<boolean> {
    const target = this.pathOf(filename);
    if (target === null) return false;
    try {
      await unlink(target);
      this.forget(filename);
      return true;
    } catch (err) {
      if (isMissingFile(err)) {
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
        if (!isMissingFile(err)) throw err;
      }
    }
    return files;
  }

  usage(): Promise<MediaUsage> {
    return Promise.resolve({ bytes: this.used, limit: this.maxTotalBytes });
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
