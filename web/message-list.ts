import { element } from './dom.js';
import { remaining, ttlLabel } from './ttl-choices.js';

/** How a message's content came out of the envelope. */
export type Body =
  { state: 'sealed'; text: string } | { state: 'plain'; text: string; imageUrl?: string } | { state: 'unreadable' };

export interface ShownMessage {
  /** The server's id: the one `message-expired` names. */
  serverId: string;
  sender: string;
  mine: boolean;
  timestamp: string;
  ttl: number;
  body: Body;
  /** Burn after reading that started burning as it arrived (someone besides the sender is here). */
  burning: boolean;
}

interface Item {
  node: HTMLLIElement;
  clock: HTMLElement | null;
  deadline: number | null;
}

/**
 * The message log: adds messages, drops one the moment the server says it expired, and counts
 * down each one's time. The count is for eyes only (aria-hidden); screen readers get the TTL once.
 */
export class MessageList {
  private readonly items = new Map<string, Item>();
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly list: HTMLOListElement,
    private readonly burnAfterReadSeconds: number,
  ) {}

  add(message: ShownMessage, now = Date.now()): void {
    const node = element('li', `msg ${message.body.state}${message.mine ? ' mine' : ''}`);
    node.dataset.state = message.body.state;
    const meta = element('p', 'meta');
    meta.append(element('span', 'who', message.mine ? `${message.sender} (you)` : message.sender), ' ');
    const time = element('time', '', new Date(message.timestamp).toLocaleTimeString([], { timeStyle: 'short' }));
    time.dateTime = message.timestamp;
    meta.append(time, ' ');
    const seconds = message.ttl === 0 ? (message.burning ? this.burnAfterReadSeconds : null) : message.ttl;
    const deadline = seconds === null ? null : now + seconds * 1000;
    const clock = element('span', 'clock', message.ttl === 0 ? 'burns once read' : '');
    clock.setAttribute('aria-hidden', 'true');
    const said = message.ttl === 0 ? 'burns after reading' : `disappears in ${ttlLabel(message.ttl)}`;
    meta.append(clock, element('span', 'sr-only', said));
    node.append(meta, ...this.body(message));
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    this.list.append(node);
    if (atBottom || message.mine) node.scrollIntoView({ block: 'end' });
    this.items.set(message.serverId, { node, clock, deadline });
    this.tick(now);
    this.ticker ??= setInterval(() => this.tick(Date.now()), 1000);
  }

  /** True when the message was on screen. */
  remove(serverId: string): boolean {
    const item = this.items.get(serverId);
    if (!item) return false;
    item.node.remove();
    this.items.delete(serverId);
    if (this.items.size === 0) this.stop();
    return true;
  }

  clear(): void {
    for (const id of [...this.items.keys()]) this.remove(id);
  }

  private body(message: ShownMessage): HTMLElement[] {
    const { body } = message;
    if (body.state === 'unreadable') {
      return [element('p', 'text', 'Cannot decrypt this message: it was sealed with another key, or altered.')];
    }
    const nodes: HTMLElement[] = [];
    if (body.text) nodes.push(element('p', 'text', body.text));
    if (body.state === 'plain' && body.imageUrl) nodes.push(this.imageButton(body.imageUrl, message.sender));
    if (body.state === 'plain') nodes.push(element('p', 'badge', 'Not end-to-end encrypted'));
    return nodes;
  }

  /** An unencrypted image loads only when asked for: loading it may count as reading it. */
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

  private tick(now: number): void {
    for (const item of this.items.values()) {
      if (item.deadline === null || !item.clock) continue;
      const left = item.deadline - now;
      item.clock.textContent = left > 0 ? `${remaining(left)} left` : 'expiring…';
    }
  }

  private stop(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }
}
