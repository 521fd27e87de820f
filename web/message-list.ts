import { element } from './dom.js';
import { remaining, ttlLabel } from './ttl-choices.js';

/** A picture this page decrypted, shown from a `blob:` URL that is revoked with its message. */
export interface ShownPicture {
  url: string;
  width: number;
  height: number;
}

/** How a message's content came out of its envelope, or why it is not shown. */
export type Body =
  | { state: 'sealed'; text: string; picture?: ShownPicture }
  | { state: 'plain'; text: string; imageUrl?: string }
  | { state: 'unreadable'; what: 'message' | 'image' }
  /** Burn after reading, not yet revealed by this person: the server has not sent its content. */
  | { state: 'unrevealed'; kind: 'text' | 'image' };

export interface ShownMessage {
  /** The server's id: the one `message-expired` names. */
  serverId: string;
  sender: string;
  mine: boolean;
  timestamp: string;
  ttl: number;
  body: Body;
  /** When a burning burn-after-reading message is gone (epoch ms); null until someone read it. */
  burnsAt: number | null;
}

interface Item {
  message: ShownMessage;
  node: HTMLLIElement;
  content: HTMLElement;
  clock: HTMLElement;
  /** When it arrived here: a TTL counts from then, whatever this device's clock says of the server's. */
  arrivedAt: number;
  deadline: number | null;
}

/**
 * The message log: adds messages, reveals them, drops one the moment the server says it expired,
 * and counts down each one's time. The count is for eyes only (aria-hidden); screen readers get
 * the TTL once.
 */
export class MessageList {
  private readonly items = new Map<string, Item>();
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly list: HTMLOListElement,
    private readonly onReveal: (serverId: string) => void,
  ) {}

  add(message: ShownMessage, now = Date.now()): void {
    const node = element('li', `msg${message.mine ? ' mine' : ''}`);
    const meta = element('p', 'meta');
    meta.append(element('span', 'who', message.mine ? `${message.sender} (you)` : message.sender), ' ');
    const time = element('time', '', new Date(message.timestamp).toLocaleTimeString([], { timeStyle: 'short' }));
    time.dateTime = message.timestamp;
    meta.append(time, ' ');
    const clock = element('span', 'clock');
    clock.setAttribute('aria-hidden', 'true');
    const said = message.ttl === 0 ? 'burns after reading' : `disappears in ${ttlLabel(message.ttl)}`;
    meta.append(clock, element('span', 'sr-only', said));
    const content = element('div', 'content');
    node.append(meta, content);
    const item: Item = { message, node, content, clock, arrivedAt: now, deadline: null };
    this.items.set(message.serverId, item);
    this.render(item, now);
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    this.list.append(node);
    if (atBottom || message.mine) node.scrollIntoView({ block: 'end' });
    this.ticker ??= setInterval(() => this.tick(Date.now()), 1000);
  }

  /** Shows the content of a message that was unrevealed. */
  reveal(serverId: string, body: Body, burnsAt: number | null): void {
    const item = this.items.get(serverId);
    if (!item) return void this.release(body);
    this.release(item.message.body);
    item.message = { ...item.message, body, burnsAt: burnsAt ?? item.message.burnsAt };
    this.render(item, Date.now());
  }

  /** Someone read a burn-after-reading message: it is gone at `burnsAt`. */
  burning(serverId: string, burnsAt: number): void {
    const item = this.items.get(serverId);
    if (!item) return;
    item.message = { ...item.message, burnsAt };
    this.setDeadline(item, Date.now());
  }

  has(serverId: string): boolean {
    return this.items.has(serverId);
  }

  /** Removes the messages sent at or after `since` (all, when null) that are not in `present`: they went. */
  removeMissing(present: ReadonlySet<string>, since: string | null): void {
    for (const [id, item] of [...this.items]) {
      if (!present.has(id) && (since === null || item.message.timestamp >= since)) this.remove(id);
    }
  }

  /** True when the message was on screen. */
  remove(serverId: string): boolean {
    const item = this.items.get(serverId);
    if (!item) return false;
    item.node.remove();
    this.release(item.message.body);
    this.items.delete(serverId);
    if (this.items.size === 0) this.stop();
    return true;
  }

  clear(): void {
    for (const id of [...this.items.keys()]) this.remove(id);
  }

  private render(item: Item, now: number): void {
    const { message } = item;
    item.node.dataset.state = message.body.state;
    item.node.className = `msg ${message.body.state}${message.mine ? ' mine' : ''}`;
    item.content.replaceChildren(...this.body(message));
    this.setDeadline(item, now);
  }

  private setDeadline(item: Item, now: number): void {
    const { ttl, burnsAt, body } = item.message;
    item.deadline = ttl === 0 ? burnsAt : item.arrivedAt + ttl * 1000;
    if (item.deadline === null) item.clock.textContent = body.state === 'unrevealed' ? 'sealed' : 'burns once read';
    this.tick(now);
  }

  private body({ body, sender, serverId }: ShownMessage): HTMLElement[] {
    switch (body.state) {
      case 'unreadable':
        return [element('p', 'text', `Cannot decrypt this ${body.what}: it was sealed with another key, or altered.`)];
      case 'unrevealed': {
        const what = body.kind === 'image' ? 'an image' : 'a message';
        const note = element('p', 'text', `Burn after reading: ${what}, sealed until you reveal it.`);
        const button = element('button', 'reveal', body.kind === 'image' ? 'Reveal image' : 'Reveal');
        button.type = 'button';
        button.addEventListener('click', () => {
          button.disabled = true;
          this.onReveal(serverId);
        });
        return [note, button];
      }
      case 'sealed': {
        const nodes: HTMLElement[] = [];
        if (body.picture) nodes.push(this.picture(body.picture, sender));
        if (body.text) nodes.push(element('p', 'text', body.text));
        return nodes;
      }
      case 'plain': {
        const nodes: HTMLElement[] = [];
        if (body.text) nodes.push(element('p', 'text', body.text));
        if (body.imageUrl) nodes.push(this.imageButton(body.imageUrl, sender));
        nodes.push(element('p', 'badge', 'Not end-to-end encrypted'));
        return nodes;
      }
    }
  }

  private picture(picture: ShownPicture, sender: string): HTMLElement {
    const image = element('img', 'image');
    image.alt = `Image from ${sender}`;
    image.width = picture.width;
    image.height = picture.height;
    image.src = picture.url;
    return image;
  }

  /** An unencrypted image loads only when asked for: the server saw it, and it may be large. */
  private imageButton(url: string, sender: string): HTMLElement {
    const button = element('button', 'show-image', 'Show image');
    button.type = 'button';
    button.addEventListener('click', () => {
      const image = element('img', 'image');
      image.alt = `Image from ${sender}`;
      image.src = url;
      button.replaceWith(image);
    });
    return button;
  }

  private release(body: Body): void {
    if (body.state === 'sealed' && body.picture) URL.revokeObjectURL(body.picture.url);
  }

  private tick(now: number): void {
    for (const item of this.items.values()) {
      if (item.deadline === null) continue;
      const left = item.deadline - now;
      item.clock.textContent = left > 0 ? `${remaining(left)} left` : 'expiring…';
    }
  }

  private stop(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }
}
