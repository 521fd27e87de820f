import type { Clock } from '../../lib/clock.js';
import type { ChatMessage } from '../../protocol/messages.js';
import type { MessageStore } from '../../store/message-store.js';
import type { DomainHooks, MessagesBurning } from '../domain-events.js';
import type { StorageGauge } from './storage-gauge.js';

/** What a stored message is counted as in MAX_STORED_MESSAGE_BYTES: its text and room for its envelope. */
const ENVELOPE_BYTES = 256;

export function storedBytes(message: ChatMessage): number {
  return ENVELOPE_BYTES + Buffer.byteLength(message.type === 'text' ? message.message : message.caption);
}

/**
 * Keeps the stored-bytes total true when messages burn: their bytes count until the burn, not until
 * the deadline they were sent with (MAX_TTL for a burn-after-reading message), so nothing in the
 * total outlives them. The node that started the burn moves them, reading each message once.
 */
export function followBurns(
  gauge: StorageGauge,
  messages: MessageStore,
  clock: Clock,
  maxTtlSeconds: number,
): DomainHooks {
  return {
    messagesBurning: async ({ roomToken, messageIds, burnAt }: MessagesBurning) => {
      for (const id of messageIds) {
        const record = await messages.get(roomToken, id, clock());
        if (!record) continue;
        const { message } = record;
        const sentWith = Date.parse(message.timestamp) + (message.ttl === 0 ? maxTtlSeconds : message.ttl) * 1000;
        gauge.move(storedBytes(message), sentWith, burnAt);
      }
    },
  };
}
