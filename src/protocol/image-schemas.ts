import { z } from 'zod';
import { RoomToken } from './room-token.js';
import { ttlSchema, type ProtocolLimits } from './schemas.js';

export interface ImageProtocolLimits extends ProtocolLimits {
  maxImageBytes: number;
}

/** socket.io hands binary attachments to the server as Buffers; other views are accepted too. */
const Binary = z
  .custom<Uint8Array | ArrayBuffer>((v) => v instanceof Uint8Array || v instanceof ArrayBuffer, 'must be binary')
  .transform((v) =>
    Buffer.isBuffer(v)
      ? v
      : Buffer.from(v instanceof ArrayBuffer ? v : v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)),
  );

/**
 * `send-image` as GhostChat clients send it. The picture comes as a `data:` URL in `data`, as a
 * binary attachment in `blob`, or both (the web client); the id, size, type and dimensions the
 * client claims are accepted and ignored: the server measures the image itself.
 */
export function buildImageSchemas(limits: ImageProtocolLimits) {
  // Twice the exact bound, so an oversized image is refused by the service with IMAGE_TOO_LARGE;
  // socket.io's maxHttpBufferSize refuses anything larger before it is parsed.
  const maxDataUrl = 2 * (64 + Math.ceil(limits.maxImageBytes / 3) * 4);
  const ImageDataInput = z
    .object({
      id: z.unknown().optional(),
      name: z.string().max(1000).nullish(),
      data: z.string().max(maxDataUrl).nullish(),
      blob: Binary.nullish(),
      size: z.unknown().optional(),
      mimeType: z.unknown().optional(),
      dimensions: z.unknown().optional(),
      // The client sealed the picture itself: opaque bytes, stored as they are, never decoded.
      sealed: z.boolean().nullish(),
    })
    .refine((d) => d.data != null || d.blob != null, 'needs the image as `data` or `blob`');
  const SendImage = z.object({
    roomToken: RoomToken,
    imageData: ImageDataInput,
    caption: z.string().max(limits.maxMessageLength).nullish(),
    // Accepted for compatibility and ignored, as in send-message.
    sender: z.unknown().optional(),
    ttl: ttlSchema(limits),
  });
  return { SendImage };
}

export type ImageSchemas = ReturnType<typeof buildImageSchemas>;
export type SendImageInput = z.infer<ImageSchemas['SendImage']>;
