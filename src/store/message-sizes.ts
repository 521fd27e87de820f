import type { ChatMessage } from '../protocol/messages.js';

/** What a message adds to its room's caps (RoomCaps): its bytes as stored, and its image's. */
export interface MessageSizes {
  bytes: number;
  imageBytes: number;
}

/** Both stores count the same: the UTF-8 bytes of the message's JSON, and `imageData.size`. */
export function messageSizes(message: ChatMessage, json = JSON.stringify(message)): MessageSizes {
  return {
    bytes: Buffer.byteLength(json),
    imageBytes: message.type === 'image' ? message.imageData.size : 0,
  };
}
