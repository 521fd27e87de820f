import { ServerEvents } from '../protocol/events.js';
import { unrevealed, type ChatMessage } from '../protocol/messages.js';
import type { GhostChatServer, GhostChatServerSocket } from './typed-socket.js';

/**
 * The socket.io room, beside the chat room itself, of the members whose clients reveal messages
 * themselves. Room tokens hold no `/`, so it cannot be another chat room's name.
 */
export const revealersOf = (roomToken: string): string => `${roomToken}/revealers`;

/** Puts a joining socket in the room (and among its revealers when its client reveals messages itself). */
export async function enterRoom(socket: GhostChatServerSocket, roomToken: string, revealsItself: boolean) {
  await socket.join(revealsItself ? [roomToken, revealersOf(roomToken)] : roomToken);
}

export async function exitRoom(socket: GhostChatServerSocket, roomToken: string) {
  await socket.leave(roomToken);
  await socket.leave(revealersOf(roomToken));
}

/**
 * `new-message` to the room, on every node. A burn-after-reading message goes whole to its sender
 * and to members whose clients take delivery as reading; members whose clients reveal messages
 * themselves get it unrevealed, without its body, and ask for that with `reveal-message`.
 */
export function deliverNewMessage(io: GhostChatServer, sender: GhostChatServerSocket, message: ChatMessage): void {
  const { roomToken } = message;
  if (message.ttl !== 0) {
    io.to(roomToken).emit(ServerEvents.newMessage, message);
    return;
  }
  sender.emit(ServerEvents.newMessage, message);
  io.to(roomToken)
    .except([revealersOf(roomToken), sender.id])
    .emit(ServerEvents.newMessage, message);
  io.to(revealersOf(roomToken)).except(sender.id).emit(ServerEvents.newMessage, unrevealed(message));
}
