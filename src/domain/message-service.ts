import type { Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';
import { noMetrics, type Metrics } from '../metrics/metrics.js';
import type { ChatMessage, ImageData, ImageMessage, TextMessage } from '../protocol/messages.js';
import { AppError } from '../errors.js';
import type { MessagePage, MessageStore, PageQuery } from '../store/message-store.js';
import type { BurnAfterReading, Revealed } from './burn-after-reading.js';
import type { DomainEvents } from './domain-events.js';
import { storedBytes } from './limits/message-bytes.js';
import type { StorageGauge } from './limits/storage-gauge.js';

export interface TtlPolicy {
  maxTtlSeconds: number;
  defaultTtlSeconds: number;
  burnAfterReadSeconds: number;
}

/** Who is sending: the name the connection joined the room with, never what the payload claims. */
export interface Member {
  roomToken: string;
  agentId: string;
}

/** Storing, listing, revealing and burning messages. Expiry itself is ExpiryService's. */
export class MessageService {
  constructor(
    private readonly messages: MessageStore,
    private readonly burns: BurnAfterReading,
    private readonly policy: TtlPolicy,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
    private readonly events: DomainEvents,
    private readonly metrics: Metrics = noMetrics,
    /** Every node's live message bytes together (MAX_STORED_MESSAGE_BYTES); none when absent. */
    private readonly storage?: StorageGauge,
  ) {}

  /** Stores a text message; resolves only once it is stored, so a failed store is never broadcast. */
  async sendText(member: Member, text: string, ttl: number | null | undefined): Promise<TextMessage> {
    const now = this.clock();
    const message: TextMessage = {
      id: this.newId('msg'),
      type: 'text',
      message: text,
      sender: member.agentId,
      timestamp: new Date(now).toISOString(),
      ttl: ttl ?? this.policy.defaultTtlSeconds,
      roomToken: member.roomToken,
    };
    await this.store(message, now);
    return message;
  }

  /**
   * Stores an image message whose image is already stored (ImageService does that first, under the
   * message id it reserved, so the file name can carry it). Same TTL and burn rules as text.
   */
  async sendImage(
    member: Member,
    id: string,
    imageData: ImageData,
    caption: string,
    ttl: number,
  ): Promise<ImageMessage> {
    const now = this.clock();
    const message: ImageMessage = {
      id,
      type: 'image',
      imageData,
      caption,
      sender: member.agentId,
      timestamp: new Date(now).toISOString(),
      ttl,
      roomToken: member.roomToken,
    };
    await this.store(message, now);
    return message;
  }

  private async store(message: ChatMessage, now: number): Promise<void> {
    const expiresAt = now + (message.ttl === 0 ? this.policy.maxTtlSeconds : message.ttl) * 1000;
    const bytes = storedBytes(message);
    this.storage?.admit(bytes);
    const appended = await this.messages.append({ message, expiresAt });
    if (!appended.stored) throw new AppError('ROOM_IMAGES_FULL');
    this.storage?.add(bytes, expiresAt);
    // The room went past its caps: its oldest messages are gone, and the room is told as for expiry.
    for (const messageId of appended.dropped) {
      void this.events.emit('messageExpired', { roomToken: message.roomToken, messageId, cause: 'evicted' });
    }
    await this.burns.delivered(message, expiresAt);
    this.metrics.messageStored(message.type);
  }

  /**
   * A page of history, oldest first (the newest page unless a cursor says otherwise). Reading it
   * never starts a burn: a history lookup has no member behind it (a client that reads history
   * after joining was counted when it joined; see BurnAfterReading). NOT_FOUND when the cursor
   * message is gone (expired or never there): the client starts again from the newest page.
   */
  async history(roomToken: string, query: PageQuery): Promise<MessagePage> {
    const page = await this.messages.list(roomToken, this.clock(), query);
    if (!page) throw new AppError('NOT_FOUND', 'That message is gone; ask for the newest page again');
    return page;
  }

  /** A member joined the room on `connectionId` (see BurnAfterReading#joined). */
  joined(member: Member, connectionId: string): Promise<void> {
    return this.burns.joined(member, connectionId);
  }

  /** The whole message for a member who asks for it; starts its burn when that member is not its sender. */
  reveal(member: Member, messageId: string): Promise<Revealed> {
    return this.burns.reveal(member, messageId);
  }

  /** Removes a message at once (e.g. its image was deleted); true when it was still there. */
  remove(roomToken: string, messageId: string): Promise<boolean> {
    return this.messages.remove(roomToken, messageId);
  }
}
