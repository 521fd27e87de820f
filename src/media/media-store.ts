export interface StoredFile {
  filename: string;
  bytes: number;
  modifiedAt: number;
}

export interface MediaUsage {
  bytes: number;
  limit: number;
}

/**
 * Where sealed image bytes live. The local directory is the first implementation; a store that
 * several nodes share (object storage) is the second. Names are always generated image file names:
 * an implementation refuses any other before touching its storage.
 */
export interface MediaStore {
  /** Prepares the storage and counts what is already there. */
  init(): Promise<void>;
  /** Stores a new file; STORAGE_FULL when it would exceed the bound. Never overwrites. */
  write(filename: string, bytes: Buffer): Promise<void>;
  /** The bytes, or null when there is no such file (or the name is not an image file name). */
  read(filename: string): Promise<Buffer | null>;
  /** Removes the file; true when it was there. */
  delete(filename: string): Promise<boolean>;
  /** Every stored image file, for the orphan sweep. */
  list(): Promise<StoredFile[]>;
  usage(): MediaUsage;
}
