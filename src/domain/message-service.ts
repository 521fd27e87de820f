import type { Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';
import { noMetrics, type Metrics } from '../metrics/metrics.js';
import type { ChatMessage, ImageData, ImageMessage, TextMessage } from '../protocol/messages.js';
import { AppError } from '../errors.js';
import type { MessagePage, MessageStore, PageQuery } from '../store/message-store.js';
import type { PresenceStore } from '../store/presence-store.js';
import type { DomainEvents } from './domain-events.js';

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

/** Storing, listing and burning messages. Expiry itself is ExpiryService's. */
export class MessageService {
  constructor(
    private readonly messages: MessageStore,
    private readonly presence: PresenceStore,
    private readonly policy: TtlPolicy,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
    private readonly events: DomainEvents,
    private readonly metrics: Metrics = noMetrics,
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
    const appended = await this.messages.append({ message, expiresAt });
    if (!appended.stored) throw new AppError('ROOM_IMAGES_FULL');
    // The room went past its caps: its oldest messages are gone, and the room is told as for expiry.
    for (const messageId of appended.dropped) {
      void this.events.emit('messageExpired', { roomToken: message.roomToken, messageId, cause: 'evicted' });
    }
    if (message.ttl === 0 && (await this.presence.count(message.roomToken)) > 1) {
      // Someone besides the sender is in the room and receives it live: that is a read.
      await this.markRead(message.roomToken, [message.id], now);
    }
    this.metrics.messageStored(message.type);
  }

  /**
   * A page of history, oldest first (the newest page unless a cursor says otherwise). Reading it
   * counts as reading every burn-after-reading message in it. NOT_FOUND when the cursor message is
   * gone (expired or never there): the client starts again from the newest page.
   */
  async history(roomToken: string, query: PageQuery): Promise<MessagePage> {
    const now = this.clock();
    const page = await this.messages.list(roomToken, now, query);
    if (!page) throw new AppError('NOT_FOUND', 'That message is gone; ask for the newest page again');
    const burning = page.messages.filter((m) => m.ttl === 0).map((m) => m.id);
    await this.markRead(roomToken, burning, now);
    return page;
  }

  /**
   * Starts the burn of the given messages and announces it (`messagesBurning`), waiting for the
   * subscribers, so what belongs to them (an image) is scheduled to go at the same moment, in its
   * own restart-proof schedule, before the reader gets its answer.
   */
  private async markRead(roomToken: string, ids: string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    const burnAt = now + this.policy.burnAfterReadSeconds * 1000;
    const burning = await this.messages.expireSooner(roomToken, ids, burnAt);
    if (burning.length > 0) await this.events.emit('messagesBurning', { roomToken, messageIds: burning, burnAt });
  }

  /** Removes a message at once (e.g. its image was deleted); true when it was still there. */
  remove(roomToken: string, messageId: string): Promise<boolean> {
    return this.messages.remove(roomToken, messageId);
  }
}
