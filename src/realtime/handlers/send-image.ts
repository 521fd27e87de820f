import type { Logger } from 'pino';
import { MAX_PENDING_IMAGES_PER_CONNECTION } from '../../defaults.js';
import { AppError, ErrorCodes } from '../../errors.js';
import { decodeDataUrl } from '../../protocol/data-url.js';
import { ClientEvents, ServerEvents } from '../../protocol/events.js';
import type { SendImageInput } from '../../protocol/image-schemas.js';
import type { SendImageResult } from '../../protocol/contract.js';
import { eventListener, type Ack, type ContextOf, type EventHandler, type SocketListener } from '../handler.js';
import type { ImageService } from '../../domain/image-service.js';
import type { ImageOwner } from '../../domain/limits/image-budget.js';
import type { ImageSchemas } from '../../protocol/image-schemas.js';
import { deliverNewMessage } from '../message-delivery.js';
import type { GhostChatServer, GhostChatServerSocket } from '../typed-socket.js';

/** What send-image needs besides the socket server. */
export interface GatewayImages {
  service: ImageService;
  schemas: ImageSchemas;
  maxImageBytes: number;
  /** Who sends from this socket, for the image bytes stored per address. */
  ownerOf?(socket: GhostChatServerSocket): ImageOwner;
}

/**
 * Same membership, identity and delivery rules as send-message; the broadcast carries metadata,
 * never bytes. A sealed image (the client encrypted it) is stored as it came, never decoded.
 */
export function sendImage(io: GhostChatServer, images: GatewayImages): EventHandler<SendImageInput, SendImageResult> {
  return async ({ socket, connection }, { roomToken, imageData, caption, ttl }) => {
    const agentId = connection.rooms.get(roomToken);
    if (agentId === undefined) throw new AppError('NOT_A_MEMBER');
    const read = async () => ({
      // The binary attachment when there is one; the data URL is then never decoded.
      load: async () => imageData.blob ?? decodeDataUrl(imageData.data ?? '', images.maxImageBytes),
      name: imageData.name,
      ttl,
      owner: images.ownerOf?.(socket),
      sealed: imageData.sealed === true,
    });
    const message = await images.service.sendToRoom({ roomToken, agentId }, read, caption);
    deliverNewMessage(io, socket, message);
    return { messageId: message.id, imageId: message.imageData.id, timestamp: message.timestamp };
  };
}

/**
 * The `send-image` listener, with a per-connection bound on images in flight. An image packet can
 * be ~14 MB: without the bound a client could park hundreds in its connection's queue. Counted on
 * arrival (before anything is parsed or queued) and released when the event is acknowledged,
 * which eventListener does exactly once whatever happens.
 */
export function sendImageListener(
  io: GhostChatServer,
  images: GatewayImages,
  contextOf: ContextOf,
  log: Logger,
): SocketListener {
  const listener = eventListener(
    ClientEvents.sendImage,
    images.schemas.SendImage,
    sendImage(io, images),
    contextOf,
    log,
  );
  return function (this: GhostChatServerSocket, ...args: unknown[]) {
    const connection = contextOf(this)?.connection;
    if (!connection) return;
    const last: unknown = args[args.length - 1];
    const clientAck = typeof last === 'function' ? (last as Ack) : undefined;
    if (connection.imagesInFlight >= MAX_PENDING_IMAGES_PER_CONNECTION) {
      const error = { code: 'IMAGES_BUSY', message: ErrorCodes.IMAGES_BUSY.message };
      this.emit(ServerEvents.error, { ...error, event: ClientEvents.sendImage });
      clientAck?.({ ok: false, error });
      return; // dropped, never queued: its bytes are released at once
    }
    connection.imagesInFlight++;
    let settled = false;
    const settle: Ack = (response) => {
      if (!settled) {
        settled = true;
        connection.imagesInFlight--;
      }
      clientAck?.(response);
    };
    if (clientAck) args[args.length - 1] = settle;
    else args.push(settle);
    listener.apply(this, args);
  };
}
