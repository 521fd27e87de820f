import { pipeline, type Readable, type Transform } from 'node:stream';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { decodeKey, openingStream, plainSize } from '../media/image-cipher.js';
import { imageUrl, isImageFilename, isImageId } from '../media/image-names.js';
import type { ImageData, ImageMessage } from '../protocol/messages.js';
import type { ImageRecord, ImageRef } from '../store/image-store.js';
import type { DomainEvents, DomainHooks } from './domain-events.js';
import { ImageIntake, type ImageInput, type ImageIntakeDeps } from './image-intake.js';
import type { Member, MessageService } from './message-service.js';

export interface ImageServiceDeps extends ImageIntakeDeps {
  messages: MessageService;
  events: DomainEvents;
  log: Logger;
}

export interface OpenedImage {
  /** The plain bytes as they are read and opened; each segment is authenticated before it flows. */
  stream: Readable;
  bytes: number;
  mimeType: string;
  expiresAt: number;
  burnAfterReading: boolean;
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
    ...(record.sealed ? { sealed: true as const } : {}),
  };
}

/**
 * The rules for images: what is accepted, how it is stored (scrubbed, sealed under its own key),
 * who may read it for how long, and how it and the message that carries it vanish together.
 */
export class ImageService {
  private readonly intake: ImageIntake;

  constructor(private readonly deps: ImageServiceDeps) {
    this.intake = new ImageIntake(deps);
  }

  /**
   * How images follow their messages: a message that starts to burn takes its image along at the
   * same moment; one that expired takes its image with it (the image's own schedule backs this up).
   */
  readonly hooks: DomainHooks = {
    messagesBurning: ({ messageIds, burnAt }) => this.burnWithMessages(messageIds, burnAt),
    // An image that went first took its message along: there is nothing left to remove.
    messageExpired: (expired) => (expired.cause === 'image' ? undefined : this.messageExpired(expired.messageId)),
  };

  /** An upload over HTTP: stored on its own, in no room. */
  upload(read: () => Promise<ImageInput>): Promise<ImageRecord> {
    return this.intake.take(read, this.deps.newId('msg'), null);
  }

  /** `send-image`: stores the image, then the message that carries it; neither is kept without the other. */
  async sendToRoom(
    member: Member,
    read: () => Promise<ImageInput>,
    caption: string | null | undefined,
  ): Promise<ImageMessage> {
    const messageId = this.deps.newId('msg');
    const record = await this.intake.take(read, messageId, { roomToken: member.roomToken, messageId });
    try {
      return await this.deps.messages.sendImage(member, messageId, imageDataOf(record), caption ?? '', record.ttl);
    } catch (err) {
      await this.discard(record);
      throw err;
    }
  }

  /**
   * The stored bytes for GET /api/image/:filename (the picture, or a sealed image's opaque bytes).
   * Fetching an image never starts a burn: a URL can be fetched by anyone it reached (a link
   * preview, a scanner), and a burn starts only when a room member reads the message (BurnAfterReading).
   */
  async open(filename: string): Promise<OpenedImage> {
    const { record, reader, bytes } = await this.find(filename, this.deps.clock());
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
    return {
      stream: opening,
      bytes,
      mimeType: record.mimeType,
      expiresAt: record.expiresAt,
      burnAfterReading: record.ttl === 0,
    };
  }

  /** What GET would answer, for HEAD: nothing is read or decrypted. */
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
      if (record && (await this.deps.images.expireSooner(record, burnAt))) {
        await this.deps.media.expireSooner(record.filename, burnAt);
      }
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
    if (await this.deps.messages.remove(roomToken, messageId)) {
      await this.deps.events.emit('messageExpired', { roomToken, messageId, cause: 'image' });
    }
  }
}
