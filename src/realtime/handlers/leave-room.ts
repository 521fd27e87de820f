import type { LeaveRoomResult } from '../../protocol/contract.js';
import { AppError } from '../../errors.js';
import { ServerEvents } from '../../protocol/events.js';
import type { LeaveRoomInput } from '../../protocol/schemas.js';
import type { EventHandler } from '../handler.js';
import { exitRoom } from '../message-delivery.js';
import type { GatewayDeps } from '../services.js';

export function leaveRoom({ io, rooms, sessions }: GatewayDeps): EventHandler<LeaveRoomInput, LeaveRoomResult> {
  return async ({ socket, connection }, { roomToken }) => {
    const agentId = connection.rooms.get(roomToken);
    if (agentId === undefined) throw new AppError('NOT_A_MEMBER', 'Not in that room');
    await rooms.leave(roomToken, connection.id);
    connection.rooms.delete(roomToken);
    await sessions?.left(connection, roomToken);
    // Sent before leaving so the leaver sees it too, even when it was the last one in the room.
    io.to(roomToken).emit(ServerEvents.participantLeft, { agentId, roomToken });
    await exitRoom(socket, roomToken);
    return { roomToken };
  };
}
