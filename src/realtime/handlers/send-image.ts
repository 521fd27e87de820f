import type { Logger } from 'pino';
import { MAX_PENDING_IMAGES_PER_CONNECTION } from '../../defaults.js';
import { AppError, ErrorCodes } from '../../errors.js';
import { decodeDataUrl } from '../../protocol/data-url.js';
import { ClientEvents, ServerEvents } from '../../protocol/events.js';
import type { SendImageInput } from '../../protocol/image-schemas.js';
import type { SendImageResult } from '../../protocol/contract.js';
import { bindEvent, type Ack, type EventHandler, type HandlerContext } from '../handler.js';
import type { ImageService } from '../../domain/image-service.js';
import type { ImageSchemas } from '../../protocol/image-schemas.js';
import { deliverNewMessage } from '../message-delivery.js';
import type { GhostChatServer } from '../typed-socket.js';

/** What send-image needs besides the socket server. */
export interface GatewayImages {
  service: ImageService;
  schemas: ImageSchemas;
  maxImageBytes: number;
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
      sealed: imageData.sealed === true,
    });
    const message = await images.service.sendToRoom({ roomToken, agentId }, read, caption);
    deliverNewMessage(io, socket, message);
    return { messageId: message.id, imageId: message.imageData.id, timestamp: message.timestamp };
  };
}

/**
 * Binds `send-image` with a per-connection bound on images in flight. An image packet can be
 * ~14 MB: without the bound a client could park hundreds in its connection's queue. Counted on
 * arrival (socket middleware, before anything is queued) and released when the event is
 * acknowledged, which bindEvent does exactly once whatever happens.
 */
export function bindSendImage(ctx: HandlerContext, io: GhostChatServer, images: GatewayImages, log: Logger): void {
  let pending = 0;
  ctx.socket.use((packet, next) => {
    if (packet[0] !== ClientEvents.sendImage) return next();
    const last: unknown = packet[packet.length - 1];
    const clientAck = typeof last === 'function' ? (last as Ack) : undefined;
    if (pending >= MAX_PENDING_IMAGES_PER_CONNECTION) {
      const error = { code: 'IMAGES_BUSY', message: ErrorCodes.IMAGES_BUSY.message };
      ctx.socket.emit(ServerEvents.error, { ...error, event: ClientEvents.sendImage });
      clientAck?.({ ok: false, error });
      return; // dropped, never queued: its bytes are released at once
    }
    pending++;
    let settled = false;
    const settle: Ack = (response) => {
      if (!settled) {
        settled = true;
        pending--;
      }
      clientAck?.(response);
    };
    if (clientAck) packet[packet.length - 1] = settle;
    else packet.push(settle);
    next();
  });
  bindEvent(ctx, ClientEvents.sendImage, images.schemas.SendImage, sendImage(io, images), log);
}
