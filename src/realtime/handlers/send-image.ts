import type { Server } from 'socket.io';
import { AppError } from '../../errors.js';
import { decodeDataUrl } from '../../protocol/data-url.js';
import { ServerEvents } from '../../protocol/events.js';
import type { SendImageInput } from '../../protocol/image-schemas.js';
import type { EventHandler } from '../handler.js';
import type { ImageService } from '../../domain/image-service.js';
import type { ImageSchemas } from '../../protocol/image-schemas.js';

/** What send-image needs besides the socket server. */
export interface GatewayImages {
  service: ImageService;
  schemas: ImageSchemas;
  maxImageBytes: number;
}

/** Same membership and identity rules as send-message; the broadcast carries metadata, never bytes. */
export function sendImage(io: Server, images: GatewayImages): EventHandler<SendImageInput> {
  return async ({ connection }, { roomToken, imageData, caption, ttl }) => {
    const agentId = connection.rooms.get(roomToken);
    if (agentId === undefined) throw new AppError('NOT_A_MEMBER');
    const read = async () => ({
      // The binary attachment when there is one; the data URL is then never decoded.
      bytes: imageData.blob ?? decodeDataUrl(imageData.data ?? '', images.maxImageBytes),
      name: imageData.name,
      ttl,
    });
    const message = await images.service.sendToRoom({ roomToken, agentId }, read, caption);
    io.to(roomToken).emit(ServerEvents.newMessage, message);
    return { messageId: message.id, imageId: message.imageData.id, timestamp: message.timestamp };
  };
}
