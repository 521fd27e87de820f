/** Message shapes as clients see them in `new-message` and in the history endpoint. */
export interface ImageData {
  id: string;
  name: string;
  filename: string;
  imageUrl: string;
  size: number;
  mimeType: string;
  dimensions: { width: number; height: number } | null;
  /**
   * Present (true) on an image the client sealed itself: opaque bytes served as
   * `application/octet-stream`, which the server never decoded (docs/E2E-ENCRYPTION.md).
   */
  sealed?: true;
}

interface MessageBase {
  id: string;
  sender: string;
  timestamp: string;
  /** Seconds; 0 means burn after reading. */
  ttl: number;
  roomToken: string;
}

export interface TextMessage extends MessageBase {
  type: 'text';
  message: string;
}

export interface ImageMessage extends MessageBase {
  type: 'image';
  imageData: ImageData;
  caption: string;
}

export type ChatMessage = TextMessage | ImageMessage;

/**
 * A burn-after-reading message as a client that reveals messages itself receives it: who sent what
 * kind of message when, without its body (no text, caption or image URL). `reveal-message` fetches
 * the body; revealing it is what counts as reading it.
 */
export interface UnrevealedMessage extends MessageBase {
  type: ChatMessage['type'];
  unrevealed: true;
}

/** The message without its body, as a client that reveals messages itself receives it. */
export function unrevealed(message: ChatMessage): UnrevealedMessage {
  const { id, type, sender, timestamp, ttl, roomToken } = message;
  return { id, type, sender, timestamp, ttl, roomToken, unrevealed: true };
}

/** What `new-message` carries. */
export type NewMessage = ChatMessage | UnrevealedMessage;

/**
 * As `new-message` carries a message to a client that reveals messages itself: a burn-after-reading
 * one comes unrevealed unless that client's name (`ownName`) sent it.
 */
export function asRevealerReceives(message: ChatMessage, ownName: string | null): NewMessage {
  return message.ttl !== 0 || message.sender === ownName ? message : unrevealed(message);
}
