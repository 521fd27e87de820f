import { openImage } from '../src/client/e2e/image-envelope.js';
import type { ReplayGuard } from '../src/client/e2e/replay-guard.js';
import type { RoomKey } from '../src/client/e2e/room-keys.js';
import { openText } from '../src/client/e2e/text-envelope.js';
import type { ChatMessage, ImageMessage } from '../src/protocol/messages.js';
import type { Body } from './message-list.js';

export interface RoomKeys {
  text: RoomKey;
  image: RoomKey;
}

/**
 * Turns a whole message as the server delivered it into what the page shows: opened with the
 * room's keys, or marked plain (a client that does not encrypt sent it) or unreadable. A sealed
 * image is fetched and decrypted here; its picture is shown from a `blob:` URL. Returns null for a
 * replayed copy of a message already shown.
 */
export class MessageOpener {
  constructor(
    private readonly keys: RoomKeys,
    private readonly guard: ReplayGuard,
  ) {}

  async open(message: ChatMessage): Promise<Body | null> {
    if (message.type === 'image' && message.imageData.sealed) return this.openSealedImage(message);
    // A caption is sealed like a text; an image message's caption is its text.
    const text = message.type === 'text' ? message : { ...message, type: 'text' as const, message: message.caption };
    const opened = await openText(this.keys.text, text);
    if (opened.kind === 'unreadable') return { state: 'unreadable', what: 'message' };
    if (opened.kind === 'sealed' && !this.guard.firstSight(opened.content.id)) return null;
    const shown = opened.kind === 'sealed' ? opened.content.text : opened.text;
    // A picture the server saw (a client that does not encrypt images sent it): marked plain.
    if (message.type === 'image') return { state: 'plain', text: shown, imageUrl: message.imageData.imageUrl };
    return opened.kind === 'sealed' ? { state: 'sealed', text: shown } : { state: 'plain', text: shown };
  }

  private async openSealedImage(message: ImageMessage): Promise<Body | null> {
    let bytes: Uint8Array;
    try {
      const response = await fetchWhenFree(message.imageData.imageUrl);
      if (!response.ok) return { state: 'unreadable', what: 'image' };
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch {
      return { state: 'unreadable', what: 'image' };
    }
    const opened = await openImage(this.keys.image, message, bytes);
    if (opened.kind === 'unreadable') return { state: 'unreadable', what: 'image' };
    if (!this.guard.firstSight(opened.header.id)) return null;
    const { header, picture } = opened;
    const url = URL.createObjectURL(new Blob([picture], { type: header.type }));
    return { state: 'sealed', text: header.text, picture: { url, width: header.width, height: header.height } };
  }
}

/** Fetches asked again after a refusal for being busy, before the picture is given up as unreadable. */
const BUSY_RETRIES = 5;
/** The longest wait between them, whatever Retry-After says. */
const MAX_RETRY_WAIT_SECONDS = 10;

/**
 * The image's bytes; a refusal for being busy (429 or 503: too many downloads from this address or
 * on the server, a few seconds at most) is asked again as often as BUSY_RETRIES, after Retry-After.
 */
async function fetchWhenFree(url: string): Promise<Response> {
  for (let retry = 0; ; retry++) {
    const response = await fetch(url, { cache: 'no-store', credentials: 'omit' });
    if ((response.status !== 429 && response.status !== 503) || retry === BUSY_RETRIES) return response;
    const seconds = Math.min(Math.max(Number(response.headers.get('Retry-After')) || 1, 1), MAX_RETRY_WAIT_SECONDS);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}
