import type { SendMessageResult } from '../../protocol/contract.js';
import { AppError } from '../../errors.js';
import type { TextMessage } from '../../protocol/messages.js';
import type { SendMessageInput } from '../../protocol/schemas.js';
import type { PipelinedHandler } from '../handler.js';
import { deliverNewMessage } from '../message-delivery.js';
import type { GatewayDeps } from '../services.js';

/** Pipelined: a burst of sends stores at once; broadcasts and acks follow in the order sent. */
export function sendMessage({
  io,
  messages,
}: GatewayDeps): PipelinedHandler<SendMessageInput, TextMessage, SendMessageResult> {
  return {
    start: ({ connection }, { roomToken, message, ttl }) => {
      const agentId = connection.rooms.get(roomToken);
      if (agentId === undefined) return Promise.reject(new AppError('NOT_A_MEMBER'));
      return messages.sendText({ roomToken, agentId }, message, ttl);
    },
    finish: ({ socket }, stored) => {
      deliverNewMessage(io, socket, stored);
      return { messageId: stored.id, timestamp: stored.timestamp };
    },
  };
}
