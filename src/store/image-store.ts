/** The message an image was sent in, when it was sent in one (uploads over HTTP have none). */
export interface ImageCarrier {
  roomToken: string;
  messageId: string;
}

/** Enough to find and clean up an image: its id, its file, and the message that carries it. */
export interface ImageRef {
  id: string;
  filename: string;
  carrier: ImageCarrier | null;
}

export interface ImageRecord extends ImageRef {
  name: string;
  mimeType: string;
  /** Bytes of the (scrubbed) image as served. */
  size: number;
  /** Null for a sealed image: the server cannot look inside it. */
  dimensions: { width: number; height: number } | null;
  /** The client sealed the image itself: opaque bytes, never decoded, served as application/octet-stream. */
  sealed?: true;
  /** Seconds as requested; 0 means burn after reading. */
  ttl: number;
  createdAt: number;
  /** Epoch ms after which the image must be gone; the key dies with it. */
  expiresAt: number;
  /** The AES-256-GCM key of the sealed file, base64. Without it the file is noise. */
  key: string;
}

export interface DueImage extends ImageRef {
  dueAt: number;
}

/**
 * Image metadata and keys, with an expiry schedule of their own. A record is live until its
 * deadline; after it, reads find nothing even before the schedule is claimed, and on a shared
 * store the key itself is gone (crypto-shredding: a file left behind cannot be read).
 */
export interface ImageStore {
  /** Stores the record and schedules its expiry at `expiresAt`. */
  put(record: ImageRecord): Promise<void>;
  get(id: string, now: number): Promise<ImageRecord | null>;
  getByFilename(filename: string, now: number): Promise<ImageRecord | null>;
  getByMessage(messageId: string, now: number): Promise<ImageRecord | null>;
  /** Moves the deadline to `expiresAt` when that is sooner; true when it moved. */
  expireSooner(ref: ImageRef, expiresAt: number): Promise<boolean>;
  /** Removes the record and its key now; true for exactly one caller, false when already gone. */
  remove(ref: ImageRef): Promise<boolean>;
  /**
   * Atomically takes up to `limit` images whose deadline is <= now out of the schedule and deletes
   * their records; each is returned to exactly one caller, even with several nodes polling.
   */
  claimDue(now: number, limit: number): Promise<DueImage[]>;
}
