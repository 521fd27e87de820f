import { z } from 'zod';
import type { ChatMessage } from './messages.js';

/**
 * The message shapes of messages.ts as zod schemas, for the OpenAPI document. The checks at the
 * bottom fail typecheck if either side changes without the other.
 */
const ImageDataSchema = z.object({
  id: z.string(),
  name: z.string(),
  filename: z.string(),
  imageUrl: z.string(),
  size: z.int().min(0),
  mimeType: z.string(),
  dimensions: z.object({ width: z.int(), height: z.int() }).nullable(),
  sealed: z.literal(true).optional().describe('Sealed by the sending client: opaque bytes the server never decoded'),
});

const MessageBase = z.object({
  id: z.string(),
  sender: z.string(),
  timestamp: z.iso.datetime(),
  ttl: z.int().min(0).describe('Seconds; 0 means burn after reading'),
  roomToken: z.string(),
});

export const ChatMessageSchema = z.discriminatedUnion('type', [
  MessageBase.extend({ type: z.literal('text'), message: z.string() }),
  MessageBase.extend({ type: z.literal('image'), imageData: ImageDataSchema, caption: z.string() }),
]);

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<z.infer<typeof ChatMessageSchema>, ChatMessage> = true;
void sameShape;
