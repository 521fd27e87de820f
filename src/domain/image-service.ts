import { pipeline, Readable, type Transform } from 'node:stream';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';
import {
  decodeKey,
  encodeKey,
  newImageKey,
  openingStream,
  plainSize,
  sealedSize,
  sealingStream,
} from '../media/image-cipher.js';
import { imageUrl, isImageFilename, isImageId, newImageFilename } from '../media/image-names.js';
import type { ImageLimits, ProcessedImage } from '../media/image-processor.js';
import type { Metrics } from '../metrics/metrics.js';
import type { MediaStore } from '../media/media-store.js';
import type { ImageData, ImageMessage } from '../protocol/messages.js';
import type { Semaphore } from '../lib/semaphore.js';
import type { ImageCarrier, ImageRecord, ImageRef, ImageStore } from '../store/image-store.js';
import type { Member, MessageService, TtlPolicy } from './message-service.js';
import type { RoomEvents } from './room-events.js';

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
}

export interface ImagePolicy extends TtlPolicy, ImageLimits {
  maxUploadBytes: number;
}

export interface ImageServiceDeps {
  images: ImageStore;
  media: MediaStore;
  messages: MessageService;
  events: RoomEvents;
  policy: ImagePolicy;
  clock: Clock;
  newId: IdGenerator;
  /** Validates and scrubs an upload (processImage; injected so the domain does no decoding of its own). */
  process: (bytes: Buffer, limits: ImageLimits) => Promise<ProcessedImage>;
  /** Bounds how many images are taken in at once (received, waiting or processed); the rest are refused. */
  admission: Semaphore;
  /** Bounds how many images are held in memory and decoded at once; the admitted rest wait for it. */
  gate: Semaphore;
  log: Logger;
  metrics?: Metrics;
}

export interface OpenedImage {
  /** The plain bytes as they are read and opened; each segment is authenticated before it flows. */
  stream: Readable;
  bytes: number;
  mimeType: string;
  expiresAt: number;
  burnAfterReading: boolean;
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

export function imageDataOf(record: ImageRecord): ImageData {
  return {
    id: record.id,
    name: record.name,
    filename: record.filename,
    imageUrl: imageUrl(record.filename),
    size: record.size,
    mimeType: record.mimeType,
    dimensions: record.dimensions,
  };
}

/**
 * The rules for images: what is accepted, how it is stored (scrubbed, sealed under its own key),
 * who may read it for how long, and how it and the message that carries it vanish together.
 */
export class ImageService {
  constructor(private readonly deps: ImageServiceDeps) {}

  /** An upload over HTTP: stored on its own, in no room. */
  upload(read: () => Promise<ImageInput>): Promise<ImageRecord> {
    return this.store(read, this.deps.newId('msg'), null);
  }

  /** `send-image`: stores the image, then the message that carries it; neither is kept without the other. */
  async sendToRoom(
    member: Member,
    read: () => Promise<ImageInput>,
    caption: string | null | undefined,
  ): Promise<ImageMessage> {
    const messageId = this.deps.newId('msg');
    const record = await this.store(read, messageId, { roomToken: member.roomToken, messageId });
    try {
      return await this.deps.messages.sendImage(member, messageId, imageDataOf(record), caption ?? '', record.ttl);
    } catch (err) {
      await this.discard(record);
      throw err;
    }
  }

  /** The plain image for GET /api/image/:filename. Reading a burn-after-reading image starts its burn. */
  async open(filename: string): Promise<OpenedImage> {
    const now = this.deps.clock();
    const { record, reader, bytes } = await this.find(filename, now);
    let opening: Transform;
    try {
      opening = openingStream(decodeKey(record.key), filename);
    } catch {
      reader.stream.destroy();
      this.unreadable('its key is not a key; answered 404');
      throw new AppError('NOT_FOUND');
    }
    // A file that fails to open part-way (tampered, or under another key) ends the response there,
    // before any byte of the segment that failed. A reader that goes away is no failure.
    pipeline(reader.stream, opening, (err) => {
      if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') this.unreadable('its answer was cut off');
    });
    let expiresAt = record.expiresAt;
    if (record.ttl === 0) {
      const burnAt = now + this.deps.policy.burnAfterReadSeconds * 1000;
      try {
        if (await this.deps.images.expireSooner(record, burnAt)) expiresAt = burnAt;
      } catch (err) {
        opening.destroy();
        throw err;
      }
    }
    return { stream: opening, bytes, mimeType: record.mimeType, expiresAt, burnAfterReading: record.ttl === 0 };
  }

  /** What GET would answer, for HEAD: nothing is read or decrypted, and no burn starts. */
  async describe(filename: string): Promise<Omit<OpenedImage, 'stream'>> {
    const { record, reader, bytes } = await this.find(filename, this.deps.clock());
    reader.stream.destroy();
    return { bytes, mimeType: record.mimeType, expiresAt: record.expiresAt, burnAfterReading: record.ttl === 0 };
  }

  /** The live record and the opened file of `filename`; NOT_FOUND unless both are there and sound. */
  private async find(filename: string, now: number) {
    // Checked before any store or disk is asked: `..`, `/`, dotfiles, NUL and the like end here.
    if (!isImageFilename(filename)) throw new AppError('PAYLOAD_INVALID', 'Not an image file name');
    const record = await this.deps.images.getByFilename(filename, now);
    if (!record) throw new AppError('NOT_FOUND');
    const reader = await this.deps.media.read(filename);
    if (!reader) throw new AppError('NOT_FOUND');
    const bytes = plainSize(reader.bytes);
    if (bytes === null) {
      reader.stream.destroy();
      this.unreadable('its file is not a sealed image; answered 404');
      throw new AppError('NOT_FOUND');
    }
    return { record, reader, bytes };
  }

  /** DELETE /api/image/:imageId: bytes and metadata now, and the carrying message with them. */
  async delete(imageId: string): Promise<void> {
    if (!isImageId(imageId)) throw new AppError('PAYLOAD_INVALID', 'Not an image id');
    const record = await this.deps.images.get(imageId, this.deps.clock());
    if (!record || !(await this.deps.images.remove(record))) throw new AppError('NOT_FOUND');
    await this.vanish(record);
  }

  /** Claims every image past its deadline, deletes its file and expires its message. Returns how many. */
  async expireDue(batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const due = await this.deps.images.claimDue(this.deps.clock(), batchSize);
      for (const ref of due) {
        // Claimed means taken off the schedule: one failure must not strand the rest of the batch.
        // What it leaves behind, the orphan sweep and the message's own expiry finish.
        await this.vanish(ref).catch((err: Error) => {
          this.deps.log.warn({ event: 'image-expiry-incomplete', err: err.message }, 'expired image not fully removed');
        });
      }
      total += due.length;
      if (due.length < batchSize) return total;
    }
  }

  /** The carrying messages started to burn: their images burn at the same moment. */
  async burnWithMessages(messageIds: readonly string[], burnAt: number): Promise<void> {
    const now = this.deps.clock();
    for (const messageId of messageIds) {
      const record = await this.deps.images.getByMessage(messageId, now);
      if (record) await this.deps.images.expireSooner(record, burnAt);
    }
  }

  /** The carrying message expired (TTL or burn): its image goes too. Nothing to announce; that was done. */
  async messageExpired(messageId: string): Promise<void> {
    const record = await this.deps.images.getByMessage(messageId, this.deps.clock());
    if (record && (await this.deps.images.remove(record))) await this.deps.media.delete(record.filename);
  }

  /**
   * Deletes files whose record or key is gone (a crash between steps, a claim that never ran).
   * Files younger than `minAgeMs` are left alone: their record may be being written right now.
   */
  async sweepOrphans(minAgeMs: number): Promise<number> {
    const now = this.deps.clock();
    let removed = 0;
    for (const file of await this.deps.media.list()) {
      if (file.modifiedAt > now - minAgeMs) continue;
      // A store error propagates and ends the sweep: an unreachable store must not read as "no key".
      if (await this.deps.images.getByFilename(file.filename, now)) continue;
      if (await this.deps.media.delete(file.filename)) removed++;
    }
    return removed;
  }

  private store(
    read: () => Promise<ImageInput>,
    messageId: string,
    carrier: ImageCarrier | null,
  ): Promise<ImageRecord> {
    return this.deps.admission.run(async () => {
      const input = await read();
      try {
        return await this.deps.gate.run(async () => {
          if (input.abandoned?.()) throw new AppError('PAYLOAD_INVALID', 'The upload was abandoned');
          const bytes = await input.load();
          await input.release?.();
          if (bytes.length > this.deps.policy.maxUploadBytes) throw new AppError('IMAGE_TOO_LARGE');
          return this.keep(await this.deps.process(bytes, this.deps.policy), input, messageId, carrier);
        });
      } finally {
        await input.release?.();
      }
    });
  }

  /** Seals the processed image to storage under a fresh key, then records it (and the key) in the store. */
  private async keep(
    image: ProcessedImage,
    input: ImageInput,
    messageId: string,
    carrier: ImageCarrier | null,
  ): Promise<ImageRecord> {
    const { policy, clock } = this.deps;
    const ttl = input.ttl ?? policy.defaultTtlSeconds;
    const now = clock();
    const filename = newImageFilename(messageId, now, image.type);
    const key = newImageKey();
    const sealedBytes = sealedSize(image.bytes.length);
    await this.deps.media.write(
      filename,
      Readable.from(chunksOf(image.bytes)).pipe(sealingStream(key, filename)),
      sealedBytes,
    );
    const record: ImageRecord = {
      id: this.deps.newId('img'),
      filename,
      carrier,
      name: displayName(input.name, image.type.ext),
      mimeType: image.type.mimeType,
      size: image.bytes.length,
      dimensions: { width: image.width, height: image.height },
      ttl,
      createdAt: now,
      expiresAt: now + (ttl === 0 ? policy.maxTtlSeconds : ttl) * 1000,
      key: encodeKey(key),
    };
    try {
      await this.deps.images.put(record);
    } catch (err) {
      await this.deps.media.delete(filename).catch(() => false);
      throw err;
    }
    this.deps.metrics?.imageStored(sealedBytes);
    return record;
  }

  private unreadable(outcome: string): void {
    this.deps.log.warn({ event: 'image-unreadable' }, `a stored image did not open; ${outcome}`);
  }

  /** Undoes a store whose message could not be stored. */
  private async discard(ref: ImageRef): Promise<void> {
    await this.deps.images.remove(ref).catch(() => false);
    await this.deps.media.delete(ref.filename).catch(() => false);
  }

  /** The image's record is already gone: its file goes, and the room learns its message is gone. */
  private async vanish(ref: ImageRef): Promise<void> {
    await this.deps.media.delete(ref.filename);
    if (!ref.carrier) return;
    const { roomToken, messageId } = ref.carrier;
    // Only the one that removed the message announces it: the message's own expiry may have won.
    if (await this.deps.messages.remove(roomToken, messageId)) this.deps.events.messageExpired(roomToken, messageId);
  }
}
