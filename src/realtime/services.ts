import type { MessageService } from '../domain/message-service.js';
import type { RoomService } from '../domain/room-service.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Schemas } from '../protocol/schemas.js';
import type { GatewayImages } from './handlers/send-image.js';
import type { GhostChatServer } from './typed-socket.js';

/** What the socket handlers may use: domain services and the socket.io server to broadcast on. */
export interface GatewayDeps {
  io: GhostChatServer;
  rooms: RoomService;
  messages: MessageService;
  schemas: Schemas;
  /** Images (`send-image`); without them the event is not served. */
  images?: GatewayImages;
  metrics: Metrics;
}
