import { AppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { ChatMessage } from '../protocol/messages.js';
import type { MessageStore } from '../store/message-store.js';
import type { PresenceStore } from '../store/presence-store.js';
import type { UnreadStore } from '../store/unread-store.js';
import { revealsItself } from './connection-id.js';
import type { DomainEvents } from './domain-events.js';
import type { Member, TtlPolicy } from './message-service.js';

export interface Revealed {
  message: ChatMessage;
  /** When the message is gone, if it is burning (epoch ms); null otherwise. */
  burnsAt: number | null;
}

/**
 * When a burn-after-reading (ttl 0) message starts to burn: only once a room member other than its
 * sender has received it. A member receives it when it is delivered live to a client that takes
 * delivery as reading (one that does not reveal messages itself), when such a client joins the
 * room (it reads the history right after), or when any client reveals it. Nothing else counts: not
 * the sender's own reads, not the history endpoint (no member behind it), not an image URL, not a
 * join by a client that reveals messages itself. The burn starts once, atomically in the store, at
 * the first read; later reads keep its deadline.
 */
export class BurnAfterReading {
  constructor(
    private readonly messages: MessageStore,
    private readonly presence: PresenceStore,
    private readonly unread: UnreadStore,
    private readonly policy: TtlPolicy,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {}

  /**
   * A message was stored (until `expiresAt`) and is being delivered live to the room. It is listed
   * as unread before presence is asked: a reader joining meanwhile either is seen here or finds it
   * listed when it joins, never neither.
   */
  async delivered(message: ChatMessage, expiresAt: number): Promise<void> {
    if (message.ttl !== 0) return;
    const { roomToken, id, sender } = message;
    await this.unread.add(roomToken, id, sender, expiresAt);
    const connections = await this.presence.connections(roomToken);
    if (!connections.some((c) => c.agentId !== sender && !revealsItself(c.connectionId))) return;
    await this.unread.forget(roomToken, [id]);
    await this.markRead(roomToken, [id], this.clock());
  }

  /** A member joined the room on `connectionId`: a client that does not reveal reads what others left unread. */
  async joined(member: Member, connectionId: string): Promise<void> {
    if (revealsItself(connectionId)) return;
    const now = this.clock();
    await this.markRead(member.roomToken, await this.unread.takeFor(member.roomToken, member.agentId, now), now);
  }

  /** A member asks for a message's body; a reveal by anyone but its sender is a read. */
  async reveal(member: Member, messageId: string): Promise<Revealed> {
    const now = this.clock();
    const record = await this.messages.get(member.roomToken, messageId, now);
    if (!record) throw new AppError('NOT_FOUND', 'That message is gone');
    const { message } = record;
    if (message.ttl !== 0) return { message, burnsAt: null };
    let deadline = record.expiresAt;
    if (message.sender !== member.agentId) {
      await this.unread.forget(member.roomToken, [message.id]);
      const burnAt = await this.markRead(member.roomToken, [message.id], now);
      // Not moved: someone read it first. Its deadline is the one that read set.
      deadline = burnAt ?? (await this.messages.get(member.roomToken, messageId, now))?.expiresAt ?? now;
    }
    return { message, burnsAt: this.burningUntil(message, deadline) };
  }

  /**
   * When a message whose deadline is `deadline` burns: null unless it is a burn-after-reading one
   * that someone read. An unread ttl-0 message lives until `timestamp + MAX_TTL`; any earlier
   * deadline is a burn.
   */
  burningUntil(message: ChatMessage, deadline: number): number | null {
    if (message.ttl !== 0) return null;
    return deadline < Date.parse(message.timestamp) + this.policy.maxTtlSeconds * 1000 ? deadline : null;
  }

  /**
   * Starts the burn of the given messages and announces it (`messagesBurning`), waiting for the
   * subscribers, so what belongs to them (an image) is scheduled to go at the same moment, in its
   * own restart-proof schedule, before the reader gets its answer. Returns the burn deadline when
   * this call started a burn, null when every message was already burning (or gone).
   */
  private async markRead(roomToken: string, ids: string[], now: number): Promise<number | null> {
    if (ids.length === 0) return null;
    const burnAt = now + this.policy.burnAfterReadSeconds * 1000;
    const burning = await this.messages.expireSooner(roomToken, ids, burnAt);
    if (burning.length === 0) return null;
    await this.events.emit('messagesBurning', { roomToken, messageIds: burning, burnAt });
    return burnAt;
  }
}
