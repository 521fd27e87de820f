import { AppError } from '../../errors.js';
import { ServerEvents } from '../../protocol/events.js';
import type { SendMessageInput } from '../../protocol/schemas.js';
import type { EventHandler } from '../handler.js';
import type { GatewayDeps } from '../services.js';

export function sendMessage({ io, messages }: GatewayDeps): EventHandler<SendMessageInput> {
  return async ({ connection }, { roomToken, message, ttl }) => {
    const agentId = connection.rooms.get(roomToken);
    if (agentId === undefined) throw new AppError('NOT_A_MEMBER');
    const stored = await messages.sendText({ roomToken, agentId }, message, ttl);
    io.to(roomToken).emit(ServerEvents.newMessage, stored);
    return { messageId: stored.id, timestamp: stored.timestamp };
  };
}
