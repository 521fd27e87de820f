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

/**
 * Where sealed image bytes live. The local directory is the first implementation; a store that
 * several nodes share (object storage) is the second. Bytes travel as streams both ways, so no
 * image is ever held whole on their account. Names are always generated image file names: an
 * implementation refuses any other before touching its storage.
 */
export interface MediaStore {
  /** Prepares the storage and counts what is already there. */
  init(): Promise<void>;
  /**
   * Stores a new file of exactly `bytes` bytes from `source`. Never overwrites. STORAGE_FULL before
   * anything is written when the file would exceed the bound; on any failure (including a source
   * that yields more or fewer bytes than declared) nothing of the file is kept.
   */
  write(filename: string, source: Readable, bytes: number): Promise<void>;
  /** The file, or null when there is no such file (or the name is not an image file name). */
  read(filename: string): Promise<MediaReader | null>;
  /** Removes the file; true when it was there. */
  delete(filename: string): Promise<boolean>;
  /** Every stored image file, for the orphan sweep. */
  list(): Promise<StoredFile[]>;
  usage(): MediaUsage;
}
