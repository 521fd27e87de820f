import type { Readable } from 'node:stream';

export interface StoredFile {
  filename: string;
  bytes: number;
  modifiedAt: number;
}

export interface MediaUsage {
  bytes: number;
  limit: number;
}

/** A stored file being read: its length up front, its bytes as they come off the storage. */
export interface MediaReader {
  bytes: number;
  stream: Readable;
}

/** What a write declares about the file it stores. */
export interface MediaWrite {
  /** The file's exact length: a source that yields more or fewer bytes fails the write. */
  bytes: number;
  /** Epoch ms at which the image dies: a store that expires data itself (Redis) lets the bytes go then. */
  expiresAt: number;
  /** An image in no room (an HTTP upload): counted in the room-less budget as well as the total. */
  roomless?: boolean;
}

/**
 * Where sealed image bytes live: a local directory (LocalMediaStore) or Redis, which every node
 * reaches (RedisMediaStore). Bytes travel as streams both ways, so no image is ever held whole on
 * their account. Names are always generated image file names: an implementation refuses any other
 * before touching its storage.
 */
export interface MediaStore {
  /** Prepares the storage and counts what is already there. */
  init(): Promise<void>;
  /**
   * Stores a new file of exactly `file.bytes` bytes from `source`. Never overwrites. STORAGE_FULL
   * before anything is written when the file would exceed a bound; on any failure (including a
   * source that yields more or fewer bytes than declared) nothing of the file is kept.
   */
  write(filename: string, source: Readable, file: MediaWrite): Promise<void>;
  /** The file, or null when there is no such file (or the name is not an image file name). */
  read(filename: string): Promise<MediaReader | null>;
  /** The image's deadline moved to `expiresAt` (a burn): a store that expires data itself follows it. */
  expireSooner(filename: string, expiresAt: number): Promise<void>;
  /** Removes the file; true when it was there. */
  delete(filename: string): Promise<boolean>;
  /** Every stored image file, for the orphan sweep. */
  list(): Promise<StoredFile[]>;
  /** The bytes stored and the bound they are held to, as the storage counts them. */
  usage(): Promise<MediaUsage>;
}
