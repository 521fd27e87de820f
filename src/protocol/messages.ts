/** Message shapes as clients see them in `new-message` and in the history endpoint. */
export interface ImageData {
  id: string;
  name: string;
  filename: string;
  imageUrl: string;
  size: number;
  mimeType: string;
  dimensions: { width: number; height: number } | null;
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
