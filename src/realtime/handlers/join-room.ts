import { AppError } from '../../errors.js';
import type { JoinRoomResult } from '../../protocol/contract.js';
import { revealsItself } from '../../domain/connection-id.js';
import { ServerEvents } from '../../protocol/events.js';
import type { JoinRoomInput } from '../../protocol/schemas.js';
import type { EventHandler } from '../handler.js';
import { enterRoom } from '../message-delivery.js';
import type { GatewayDeps } from '../services.js';

export function joinRoom({
  rooms,
  messages,
  limits,
  sessions,
}: GatewayDeps): EventHandler<JoinRoomInput, JoinRoomResult> {
  const maxRooms = limits?.maxRooms ?? Infinity;
  return async ({ socket, connection }, { roomToken, agentId }) => {
    if (!connection.rooms.has(roomToken) && connection.rooms.size >= maxRooms) throw new AppError('TOO_MANY_ROOMS');
    const joined = await rooms.join(roomToken, connection.id, agentId);
    try {
      // Before the join is acknowledged: a client that reads the history next reads it burning.
      await messages.joined({ roomToken, agentId }, connection.id);
    } catch (err) {
      if (joined.isNew) await rooms.leave(roomToken, connection.id).catch(() => null);
      throw err;
    }
    if (socket.disconnected) {
      // The client left while the join was being stored: undo it rather than leave a ghost.
      await rooms.leave(roomToken, connection.id);
      return { roomToken, participants: joined.participants };
    }
    connection.rooms.set(roomToken, agentId);
    await sessions?.joined(connection, roomToken);
    await enterRoom(socket, roomToken, revealsItself(connection.id));
    socket.emit(ServerEvents.roomJoined, { roomToken, participants: joined.participants });
    if (joined.isNew) socket.to(roomToken).emit(ServerEvents.participantJoined, { agentId, roomToken });
    return { roomToken, participants: joined.participants };
  };
}
