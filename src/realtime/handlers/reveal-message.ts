import type { RevealMessageResult } from '../../protocol/contract.js';
import { AppError } from '../../errors.js';
import type { RevealMessageInput } from '../../protocol/schemas.js';
import type { EventHandler } from '../handler.js';
import type { GatewayDeps } from '../services.js';

/** The whole message for a member who asks to read it; a reveal by anyone but its sender starts a burn. */
export function revealMessage({ messages }: GatewayDeps): EventHandler<RevealMessageInput, RevealMessageResult> {
  return async ({ connection }, { roomToken, messageId }) => {
    const agentId = connection.rooms.get(roomToken);
    if (agentId === undefined) throw new AppError('NOT_A_MEMBER');
    const { message, burnsAt } = await messages.reveal({ roomToken, agentId }, messageId);
    return { message, burnsAt: burnsAt === null ? null : new Date(burnsAt).toISOString() };
  };
}
