import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../protocol/contract.js';

/** The socket.io server typed by the protocol contract: what it hears, what it emits. */
export type GhostChatServer = Server<ClientToServerEvents, ServerToClientEvents>;

/** One client's socket on the server, typed the same way. */
export type GhostChatServerSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
