import type { ClientConfig } from '../src/protocol/client-config.js';
import { byId, element } from './dom.js';
import { ImagePicker } from './image-picker.js';
import type { ScrubbedPicture } from './image-scrub.js';
import { ttlChoices, ttlLabel } from './ttl-choices.js';

/** Room left in an image's size limit for its sealed envelope (header and caption). */
const ENVELOPE_RESERVE_BYTES = 16 * 1024;

export interface RoomActions {
  /** Sends the text, or the picture with the text as its caption. */
  send(text: string, ttl: number, picture: ScrubbedPicture | null): Promise<void>;
  copyLink(): Promise<void>;
  leave(): Promise<void>;
}

/** The room screen outside the message log: rules banner, people, composer, link and leave buttons. */
export class RoomView {
  private readonly people = new Set<string>();
  private readonly input = byId<HTMLTextAreaElement>('message-input');
  private readonly ttl = byId<HTMLSelectElement>('ttl');
  private readonly sendButton = byId<HTMLButtonElement>('send');
  private readonly sendError = byId('send-error');
  private me = '';
  private readonly abort = new AbortController();
  private readonly picker: ImagePicker;

  constructor(
    private readonly config: ClientConfig,
    roomToken: string,
    actions: RoomActions,
  ) {
    byId('room-token').textContent = roomToken;
    this.ttl.replaceChildren(
      ...ttlChoices(config).map(({ seconds, label }) => {
        const option = element('option', '', label);
        option.value = String(seconds);
        option.selected = seconds === config.defaultTtlSeconds;
        return option;
      }),
    );
    const { signal } = this.abort;
    this.picker = new ImagePicker(
      config.maxImageBytes - ENVELOPE_RESERVE_BYTES,
      (text) => this.showSendError(text),
      signal,
    );
    byId('send-form').addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        const text = this.input.value.trim();
        const picture = this.picker.attached;
        if ((!text && !picture) || this.sendButton.disabled) return;
        this.sendError.textContent = '';
        void actions.send(text, Number(this.ttl.value), picture);
      },
      { signal },
    );
    // Enter sends, Shift+Enter starts a new line.
    this.input.addEventListener(
      'keydown',
      (event) => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          byId<HTMLFormElement>('send-form').requestSubmit();
        }
      },
      { signal },
    );
    byId('copy-link').addEventListener('click', () => void actions.copyLink(), { signal });
    byId('leave').addEventListener('click', () => void actions.leave(), { signal });
  }

  /** Stops listening to the room's controls (leaving, or switching to another room). */
  close(): void {
    this.abort.abort();
    this.picker.clear();
    byId('link-fallback').hidden = true;
    this.input.value = '';
    this.sendError.textContent = '';
  }

  setParticipants(participants: string[], me: string): void {
    this.me = me;
    this.people.clear();
    for (const name of participants) this.people.add(name);
    this.renderPeople();
  }

  personJoined(name: string): void {
    this.people.add(name);
    this.renderPeople();
  }

  personLeft(name: string): void {
    this.people.delete(name);
    this.renderPeople();
  }

  setCanSend(can: boolean): void {
    this.sendButton.disabled = !can;
  }

  focusComposer(): void {
    this.input.focus();
  }

  sent(): void {
    this.input.value = '';
    this.picker.clear();
    this.input.focus();
  }

  showSendError(text: string): void {
    this.sendError.textContent = text;
  }

  /** Where the clipboard is out of reach: the link in a field, selected, to copy by hand. */
  showLinkToCopy(link: string): void {
    const field = byId<HTMLInputElement>('link-fallback');
    field.value = link;
    field.hidden = false;
    field.focus();
    field.select();
  }

  private renderPeople(): void {
    const list = byId('people');
    list.replaceChildren(
      ...[...this.people].sort().map((name) => element('li', '', name === this.me ? `${name} (you)` : name)),
    );
    const { maxTtlSeconds, defaultTtlSeconds, burnAfterReadSeconds } = this.config;
    const here = this.people.size === 1 ? 'only you are here' : `${this.people.size} people are here`;
    byId('rules').textContent =
      `End-to-end encrypted: only people with the link can read. Messages vanish after their timer ` +
      `(default ${ttlLabel(defaultTtlSeconds).toLowerCase()}, at most ${ttlLabel(maxTtlSeconds)}); ` +
      `burn after reading: sealed until someone reveals it, then gone ${burnAfterReadSeconds} s later. Now ${here}.`;
  }
}
