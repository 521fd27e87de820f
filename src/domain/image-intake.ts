import { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';
import type { Semaphore } from '../lib/semaphore.js';
import { encodeKey, newImageKey, sealedSize, sealingStream } from '../media/image-cipher.js';
import { newImageFilename } from '../media/image-names.js';
import type { ImageLimits, ProcessedImage } from '../media/image-processor.js';
import { SEALED_IMAGE_TYPE, type StoredType } from '../media/image-type.js';
import type { MediaStore } from '../media/media-store.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ImageCarrier, ImageRecord, ImageStore } from '../store/image-store.js';
import type { ImageBudget, ImageOwner } from './limits/image-budget.js';
import type { TtlPolicy } from './message-service.js';

/** An image as a transport received it. */
export interface ImageInput {
  /** The bytes, asked for only once a processing slot is free (an HTTP upload waits on disk till then). */
  load(): Promise<Buffer>;
  /** Frees whatever held the bytes while they waited; called whatever happened, maybe twice. */
  release?(): Promise<void>;
  /** Whether whoever sent the image has gone away meanwhile: then it is dropped unprocessed. */
  abandoned?(): boolean;
  name?: string | null;
  /** Seconds; 0 burns after reading; absent means the default. */
  ttl?: number | null;
  /** Who sent it, for the bytes stored per client address. */
  owner?: ImageOwner;
  /** The client sealed the image itself: the bytes are opaque, stored as they came, never decoded. */
  sealed?: boolean;
}

/** What is kept of an image: the bytes to seal to storage and what its record says of them. */
interface Keepable {
  bytes: Buffer;
  type: StoredType;
  dimensions: { width: number; height: number } | null;
  sealed: boolean;
}

function processed(image: ProcessedImage): Keepable {
  return {
    bytes: image.bytes,
    type: image.type,
    dimensions: { width: image.width, height: image.height },
    sealed: false,
  };
}

/** A sealed image as it came: no type, no size but its length, nothing to decode (it cannot be). */
function opaque(bytes: Buffer): Keepable {
  if (bytes.length === 0) throw new AppError('PAYLOAD_INVALID', 'A sealed image cannot be empty');
  return { bytes, type: SEALED_IMAGE_TYPE, dimensions: null, sealed: true };
}

export interface ImagePolicy extends TtlPolicy, ImageLimits {
  maxUploadBytes: number;
}

/** Images in no room (uploads over HTTP): a budget of their own (the media store's) and a shorter life. */
export interface RoomlessPolicy {
  maxTtlSeconds: number;
}

export interface ImageIntakeDeps {
  images: ImageStore;
  media: MediaStore;
  policy: ImagePolicy;
  clock: Clock;
  newId: IdGenerator;
  /** Validates and scrubs an upload (processImage; injected so the domain does no decoding of its own). */
  process: (bytes: Buffer, limits: ImageLimits) => Promise<ProcessedImage>;
  /** Bounds how many images, once received, wait or are processed at once; the rest are refused. */
  admission: Semaphore;
  /** Bounds how many images are held in memory and decoded at once; the admitted rest wait for it. */
  gate: Semaphore;
  /** Without it, room-less images share the room images' budget and TTL rules. */
  roomless?: RoomlessPolicy;
  metrics?: Metrics;
  /** Image bytes per client address and in all (MAX_UPLOAD_BYTES_TOTAL), reserved before writing. */
  budget?: ImageBudget;
}

const MAX_NAME_LENGTH = 255;
const WRITE_CHUNK = 64 * 1024;

/** Views of `bytes` in chunks, so a write stream takes them in its own pace (no copies). */
function* chunksOf(bytes: Buffer): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += WRITE_CHUNK) yield bytes.subarray(at, at + WRITE_CHUNK);
}

/** The client's name for its picture, as display text only: no control characters, bounded. */
function displayName(name: string | null | undefined, ext: string): string {
  const clean = (name ?? '')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return clean.length > 0 ? clean : `image.${ext}`;
}

/**
 * How an image gets in: admitted (or refused as busy), given a processing slot, loaded whole,
 * checked and scrubbed (or, sealed by its client, taken as opaque bytes), sealed to the media store
 * under a fresh key, and recorded with that key. Sealed images pass the same bounds (admission,
 * slot, size, disk budget, TTL and burn) as pictures; they only skip the decoding.
 */
export class ImageIntake {
  constructor(private readonly deps: ImageIntakeDeps) {}

  /**
   * Reads the image first (an upload's whole body arrives, sealed on disk), and only then asks for
   * a place among the images being processed: a slow or stalled sender holds nobody's place.
   */
  async take(read: () => Promise<ImageInput>, messageId: string, carrier: ImageCarrier | null): Promise<ImageRecord> {
    const input = await read();
    try {
      return await this.deps.admission.run(() =>
        this.deps.gate.run(async () => {
          if (input.abandoned?.()) throw new AppError('PAYLOAD_INVALID', 'The upload was abandoned');
          const bytes = await input.load();
          await input.release?.();
          if (bytes.length > this.deps.policy.maxUploadBytes) throw new AppError('IMAGE_TOO_LARGE');
          const image = input.sealed ? opaque(bytes) : processed(await this.deps.process(bytes, this.deps.policy));
          return this.keep(image, input, messageId, carrier);
        }),
      );
    } finally {
      await input.release?.();
    }
  }

  /** Seals the image to storage under a fresh key, then records it (and the key) in the store. */
  private async keep(
    image: Keepable,
    input: ImageInput,
    messageId: string,
    carrier: ImageCarrier | null,
  ): Promise<ImageRecord> {
    const { policy, clock, roomless } = this.deps;
    const inRoom = carrier !== null || !roomless;
    const longest = inRoom ? policy.maxTtlSeconds : roomless.maxTtlSeconds;
    const requested = input.ttl ?? policy.defaultTtlSeconds;
    const ttl = requested === 0 ? 0 : Math.min(requested, longest);
    const now = clock();
    const filename = newImageFilename(messageId, now, image.type);
    const key = newImageKey();
    const sealedBytes = sealedSize(image.bytes.length);
    const expiresAt = now + (ttl === 0 ? longest : ttl) * 1000;
    const reserved = await this.deps.budget?.reserve(input.owner, sealedBytes, expiresAt);
    try {
      const sealed = Readable.from(chunksOf(image.bytes)).pipe(sealingStream(key, filename));
      await this.deps.media.write(filename, sealed, { bytes: sealedBytes, expiresAt, roomless: !inRoom });
    } catch (err) {
      await reserved?.release();
      throw err;
    }
    const record: ImageRecord = {
      id: this.deps.newId('img'),
      filename,
      carrier,
      // A sealed image's name would be the one plain thing about it: the client's is dropped.
      name: displayName(image.sealed ? null : input.name, image.type.ext),
      mimeType: image.type.mimeType,
      size: image.bytes.length,
      dimensions: image.dimensions,
      ...(image.sealed ? { sealed: true as const } : {}),
      ttl,
      createdAt: now,
      expiresAt,
      key: encodeKey(key),
    };
    try {
      await this.deps.images.put(record);
    } catch (err) {
      await this.deps.media.delete(filename).catch(() => false);
      await reserved?.release();
      throw err;
    }
    this.deps.metrics?.imageStored(sealedBytes);
    return record;
  }
}
