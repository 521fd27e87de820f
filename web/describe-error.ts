import { GhostChatError } from '../src/client/ghostchat-client.js';

const WORDS: Record<string, string> = {
  AGENT_TAKEN: 'That name is taken in this room: pick another.',
  ALREADY_JOINED: 'This tab is already in the room under another name.',
  NOT_A_MEMBER: 'You are not in the room any more: reload to rejoin.',
  PAYLOAD_INVALID: 'The server refused that (names are 1-64 printable characters).',
  STORE_UNAVAILABLE: 'The server could not store it: nothing was sent. Try again.',
  SHUTTING_DOWN: 'The server is restarting: try again in a moment.',
  TOO_MANY_PENDING: 'Too much at once: wait a moment.',
  TIMEOUT: 'No answer from the server: check the connection and try again.',
  IMAGE_TOO_LARGE: 'The image is too large for this server.',
  STORAGE_FULL: 'The server has no room for more images right now: try again later.',
  IMAGES_BUSY: 'The server is busy with other images: try again in a moment.',
  NOT_FOUND: 'That message is gone.',
};

/** A sentence for a person; the server's own wording for codes the page does not know. */
export function describeError(error: unknown): string {
  if (error instanceof GhostChatError) return WORDS[error.code] ?? error.message;
  return 'Something went wrong. Try again.';
}
