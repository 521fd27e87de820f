import { Readable } from 'node:stream';
import { RESP_TYPES } from 'redis';
import { AppError, StoreUnavailableError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { MediaFileKeys, MediaLedgerKeys } from '../store/redis/media-scripts.js';
import type { RedisKeys } from '../store/redis/keys.js';
import type { RedisClient } from '../store/redis/redis-connection.js';
import { storeCall } from '../store/redis/store-call.js';
import { isImageFilename } from './image-names.js';
import type { MediaReader, MediaStore, MediaUsage, MediaWrite, StoredFile } from './media-store.js';

export interface RedisMediaOptions {
  /** Every stored image together, for all nodes (MAX_UPLOAD_BYTES_TOTAL). */
  maxBytes: number;
  /** Images in no room together, for all nodes (ROOMLESS_UPLOAD_BYTES_TOTAL). */
  maxRoomlessBytes: number;
  clock: Clock;
  /** Bytes per Redis list element. */
  chunkBytes: number;
  /** A write that adds no chunk for this long lapses: its chunks and reservation go by themselves. */
  staleMs: number;
}

/** Files listed per round trip by the orphan sweep. */
const LIST_PAGE = 1000;

/**
 * Sealed images in Redis, reachable from every node: each file a list of chunks of `chunkBytes`
 * (never one large value), written and read one chunk per round trip so no image is held whole,
 * expiring natively at the image's deadline with everything else of it. Bytes are reserved against
 * both budgets in one Lua step before the first chunk, so nodes writing at once cannot overshoot
 * together; a write is visible only once complete (its chunks are renamed into place), and one
 * that fails is removed at once, or lapses within `staleMs` if Redis went away before the rename.
 * A rename that ran but whose answer was lost, with the removal failing too, leaves a complete file
 * without a record: the orphan sweep or its deadline removes it.
 * Layout and scripts: src/store/redis/media-scripts.ts.
 */
export class RedisMediaStore implements MediaStore {
  private readonly binary;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: RedisMediaOptions,
  ) {
    this.binary = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  }

  /** Nothing to prepare: Redis is shared, and what is stored there is counted there. */
  init(): Promise<void> {
    return Promise.resolve();
  }

  async write(filename: string, source: Readable, file: MediaWrite): Promise<void> {
    if (!isImageFilename(filename)) {
      source.destroy();
      throw new Error('refusing to write a file that is not a generated image name');
    }
    // Listened to from the start: an error while the reservation is on its way would otherwise be
    // unhandled (a crash). Reading the errored source below throws it, and the write fails there.
    source.on('error', () => undefined);
    const keys = this.fileKeys(filename);
    const { maxBytes, maxRoomlessBytes, staleMs } = this.options;
    const outcome = await this.call(() =>
      this.client.reserveMedia(keys, {
        filename,
        bytes: file.bytes,
        roomless: file.roomless === true,
        maxBytes,
        maxRoomlessBytes,
        createdAt: this.options.clock(),
        expiresAt: file.expiresAt,
        staleMs,
        prefix: this.keys.prefix,
      }),
    ).catch((err: unknown) => {
      source.destroy();
      throw err;
    });
    if (outcome !== 1) {
      source.destroy();
      if (outcome === 0) throw new AppError('STORAGE_FULL');
      throw new Error('refusing to overwrite a stored image');
    }
    try {
      await this.writeChunks(filename, keys, source, file);
    } catch (err) {
      // Redis away: the chunks and the reservation lapse within staleMs by themselves.
      await this.call(() => this.client.removeMedia(keys, filename)).catch(() => false);
      throw err;
    }
  }

  async read(filename: string): Promise<MediaReader | null> {
    if (!isImageFilename(filename)) return null;
    const keys = this.fileKeys(filename);
    const info = await this.call(() => this.client.mediaInfo(keys, filename));
    if (!info) return null;
    let index = 0;
    const stream = new Readable({
      // One chunk per read: Readable asks again only once the reader has taken what it was given.
      read: () => {
        if (index === info.chunks) return void stream.push(null);
        this.call(() => this.binary.lIndex(keys.data, index)).then(
          (chunk) => {
            // A reader that went away (or a HEAD that never read) wants nothing more.
            if (stream.destroyed) return;
            if (chunk === null) return stream.destroy(new Error('the image went while it was read'));
            index++;
            stream.push(chunk);
          },
          (err: Error) => stream.destroy(err),
        );
      },
    });
    return { bytes: info.bytes, stream };
  }

  async expireSooner(filename: string, expiresAt: number): Promise<void> {
    if (!isImageFilename(filename)) return;
    await this.call(() => this.client.expireMediaSooner(this.fileKeys(filename), filename, expiresAt));
  }

  delete(filename: string): Promise<boolean> {
    if (!isImageFilename(filename)) return Promise.resolve(false);
    return this.call(() => this.client.removeMedia(this.fileKeys(filename), filename));
  }

  async list(): Promise<StoredFile[]> {
    const files: StoredFile[] = [];
    for (let offset = 0; ; offset += LIST_PAGE) {
      const page = await this.call(() => this.client.listMedia(this.ledgerKeys(), offset, LIST_PAGE));
      for (let i = 0; i + 1 < page.entries.length; i += 2) {
        const [bytes, , createdAt] = page.entries[i + 1]!.split(':');
        files.push({ filename: page.entries[i]!, bytes: Number(bytes), modifiedAt: Number(createdAt) });
      }
      if (page.scanned < LIST_PAGE) return files;
    }
  }

  async usage(): Promise<MediaUsage> {
    const totals = await this.call(() => this.client.mediaUsage(this.ledgerKeys(), this.keys.prefix));
    return { bytes: totals.bytes, limit: this.options.maxBytes };
  }

  /** Streams `source` into chunks of `chunkBytes`, checking its length against the declared one. */
  private async writeChunks(filename: string, keys: MediaFileKeys, source: Readable, file: MediaWrite) {
    const { chunkBytes, staleMs } = this.options;
    const append = async (chunk: Buffer) => {
      const appended = await this.call(() =>
        this.client.appendMediaChunk(keys, filename, chunk, file.expiresAt, staleMs),
      );
      if (!appended) throw new Error('the write lapsed before it was complete');
    };
    let chunk = Buffer.allocUnsafe(chunkBytes);
    let filled = 0;
    let written = 0;
    for await (const piece of source as AsyncIterable<Buffer>) {
      written += piece.length;
      if (written > file.bytes) throw new Error('the source is longer than declared');
      for (let at = 0; at < piece.length;) {
        const n = piece.copy(chunk, filled, at);
        filled += n;
        at += n;
        if (filled === chunkBytes) {
          await append(chunk);
          chunk = Buffer.allocUnsafe(chunkBytes);
          filled = 0;
        }
      }
    }
    if (written < file.bytes) throw new Error('the source is shorter than declared');
    // An empty file is one empty chunk: a list needs an element to exist.
    if (filled > 0 || written === 0) await append(chunk.subarray(0, filled));
    if (!(await this.call(() => this.client.commitMedia(keys, filename, file.expiresAt)))) {
      throw new Error('the write lapsed before it was complete');
    }
  }

  /** A Redis call bounded in time; Redis out of memory (maxmemory, noeviction) reads as STORAGE_FULL. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await storeCall(operation);
    } catch (err) {
      const cause = err instanceof StoreUnavailableError ? err.cause : err;
      if (cause instanceof Error && cause.message.startsWith('OOM ')) throw new AppError('STORAGE_FULL');
      throw err;
    }
  }

  private ledgerKeys(): MediaLedgerKeys {
    return { deadlines: this.keys.mediaDeadlines(), files: this.keys.mediaFiles(), usage: this.keys.mediaUsage() };
  }

  private fileKeys(filename: string): MediaFileKeys {
    return { ...this.ledgerKeys(), data: this.keys.mediaData(filename), part: this.keys.mediaPart(filename) };
  }
}
