import type { SendMessageResult } from '../../protocol/contract.js';
import { AppError } from '../../errors.js';
import type { SendMessageInput } from '../../protocol/schemas.js';
import type { EventHandler } from '../handler.js';
import { deliverNewMessage } from '../message-delivery.js';
import type { GatewayDeps } from '../services.js';

export function sendMessage({ io, messages }: GatewayDeps): EventHandler<SendMessageInput, SendMessageResult> {
  return async ({ socket, connection }, { roomToken, message, ttl }) => {
    const agentId = connection.rooms.get(roomToken);
    if (agentId === undefined) throw new AppError('NOT_A_MEMBER');
    const stored = await messages.sendText({ roomToken, agentId }, message, ttl);
    deliverNewMessage(io, socket, stored);
    return { messageId: stored.id, timestamp: stored.timestamp };
  };
}
