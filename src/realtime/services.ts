import type { SocketLimiter } from '../domain/limits/socket-limiter.js';
import type { MessageService } from '../domain/message-service.js';
import type { RoomService } from '../domain/room-service.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Schemas } from '../protocol/schemas.js';
import type { GatewayImages } from './handlers/send-image.js';
import type { ResumableSessions } from './resumable-sessions.js';
import type { GhostChatServer, GhostChatServerSocket } from './typed-socket.js';

/** What the socket handlers may use: domain services and the socket.io server to broadcast on. */
export interface GatewayDeps {
  io: GhostChatServer;
  rooms: RoomService;
  messages: MessageService;
  schemas: Schemas;
  /** Images (`send-image`); without them the event is not served. */
  images?: GatewayImages;
  metrics: Metrics;
  /** Resumable connections (feature `resume`); not offered when absent. */
  sessions?: ResumableSessions;
  /** Per socket limits; none when absent. */
  limits?: SocketLimits;
}

export interface SocketLimits {
  socketLimiter(): SocketLimiter;
  /** Rooms one socket may be in at once (SOCKET_MAX_ROOMS). */
  maxRooms: number;
  /** A socket was disconnected for flooding. */
  flooded(socket: GhostChatServerSocket): void;
}
