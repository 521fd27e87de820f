import { sealImage } from '../src/client/e2e/image-envelope.js';
import { ReplayGuard } from '../src/client/e2e/replay-guard.js';
import { deriveRoomKey } from '../src/client/e2e/room-keys.js';
import { roomLink, secretBytes } from '../src/client/e2e/room-link.js';
import { newMessageId, sealText } from '../src/client/e2e/text-envelope.js';
import { GhostChatError, type GhostChatClient } from '../src/client/ghostchat-client.js';
import type { JoinRoomResult } from '../src/protocol/contract.js';
import type { ClientConfig } from '../src/protocol/client-config.js';
import type { NewMessage } from '../src/protocol/messages.js';
import { describeError } from './describe-error.js';
import { byId, setStatus } from './dom.js';
import type { ScrubbedPicture } from './image-scrub.js';
import { MessageList } from './message-list.js';
import { MessageOpener, type RoomKeys } from './message-opener.js';
import { RoomView } from './room-view.js';

export interface RoomAddress {
  roomToken: string;
  secret: string;
}

/** How long a rejoin waits for the server to let go of this ghost's name (its old connection). */
const NAME_RELEASE_ATTEMPTS = 60;

/**
 * One joined room: seals what is sent, opens what arrives, and rejoins under the same name after a
 * lost connection. Messages are handled one at a time, in arrival order, so an expiry never
 * overtakes the message it removes while that one is still being decrypted.
 */
export class RoomSession {
  private keys: RoomKeys | null = null;
  private opener: MessageOpener | null = null;
  private readonly messages: MessageList;
  private readonly view: RoomView;
  private readonly subscriptions: Array<() => void> = [];
  private queue: Promise<void> = Promise.resolve();
  private joined = false;
  private lostConnection = false;
  private closed = false;

  constructor(
    private readonly client: GhostChatClient,
    private readonly config: ClientConfig,
    readonly address: RoomAddress,
    readonly name: string,
    private readonly onLeft: () => void,
  ) {
    this.messages = new MessageList(byId<HTMLOListElement>('messages'), (id) => this.enqueue(() => this.reveal(id)));
    this.view = new RoomView(config, address.roomToken, {
      send: (text, ttl, picture) => this.send(text, ttl, picture),
      copyLink: () => this.copyLink(),
      leave: () => this.leave(),
    });
  }

  /** Joins; rejects with the server's refusal. `retryTaken`: the name may still be held by this tab's last connection. */
  async start(retryTaken: boolean): Promise<void> {
    const { roomToken } = this.address;
    const secret = secretBytes(this.address.secret)!;
    this.keys = { text: await deriveRoomKey(secret, 'text'), image: await deriveRoomKey(secret, 'image') };
    this.opener = new MessageOpener(this.keys, new ReplayGuard());
    const mine = (payload: { roomToken: string }) => payload.roomToken === roomToken;
    this.subscriptions.push(
      this.client.on('new-message', (m) => mine(m) && this.enqueue(() => this.show(m))),
      this.client.on(
        'message-expired',
        (e) => mine(e) && this.enqueue(async () => void this.messages.remove(e.messageId)),
      ),
      this.client.on(
        'message-burning',
        (b) => mine(b) && this.enqueue(async () => this.messages.burning(b.messageId, Date.parse(b.burnsAt))),
      ),
      this.client.on('participant-joined', (p) => mine(p) && this.view.personJoined(p.agentId)),
      this.client.on('participant-left', (p) => mine(p) && p.agentId !== this.name && this.view.personLeft(p.agentId)),
      this.client.on('server-shutdown', () => setStatus('The server is restarting. Reconnecting…')),
      this.client.onDisconnect(() => {
        this.lostConnection = true;
        this.view.setCanSend(false);
      }),
      this.client.onConnect(() => {
        if (this.joined && this.lostConnection) void this.rejoin();
      }),
    );
    this.joined = false;
    this.accept(await this.join(retryTaken));
  }

  close(): void {
    this.closed = true;
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
    this.view.close();
    this.messages.clear();
  }

  private accept(joined: JoinRoomResult): void {
    this.joined = true;
    this.lostConnection = false;
    this.view.setParticipants(joined.participants, this.name);
    this.view.setCanSend(true);
  }

  private async join(retryTaken: boolean): Promise<JoinRoomResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.join(this.address.roomToken, this.name);
      } catch (error) {
        const taken = error instanceof GhostChatError && error.code === 'AGENT_TAKEN';
        if (!taken || !retryTaken || attempt >= NAME_RELEASE_ATTEMPTS || this.closed) throw error;
        setStatus('Rejoining: waiting for the server to release your name…');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async rejoin(): Promise<void> {
    try {
      this.accept(await this.join(true));
      // Phase 1 says so plainly: what was sent meanwhile is not fetched (history would burn messages).
      setStatus('Reconnected. Messages sent while you were away are not shown.');
    } catch (error) {
      if (!this.closed) setStatus(`Could not rejoin the room. ${describeError(error)}`);
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch(() => undefined);
  }

  private async show(message: NewMessage): Promise<void> {
    if (this.closed || !this.opener) return;
    const shown = { serverId: message.id, sender: message.sender, mine: message.sender === this.name };
    const { timestamp, ttl } = message;
    if ('unrevealed' in message) {
      // Nothing is fetched or opened until this person asks: revealing is what reads it.
      this.messages.add({ ...shown, timestamp, ttl, body: { state: 'unrevealed', kind: message.type }, burnsAt: null });
      return;
    }
    const body = await this.opener.open(message);
    if (body === null) return; // a replayed copy: shown once already
    this.messages.add({ ...shown, timestamp, ttl, body, burnsAt: null });
  }

  /** Asks the server for a burn-after-reading message's content (this starts its burn) and shows it. */
  private async reveal(serverId: string): Promise<void> {
    if (this.closed || !this.opener) return;
    try {
      const { message, burnsAt } = await this.client.reveal(this.address.roomToken, serverId);
      const body = (await this.opener.open(message)) ?? { state: 'unreadable' as const, what: 'message' as const };
      this.messages.reveal(serverId, body, burnsAt === null ? null : Date.parse(burnsAt));
    } catch (error) {
      const gone = error instanceof GhostChatError && error.code === 'NOT_FOUND';
      setStatus(gone ? 'That message is gone: it burned or expired.' : `Could not reveal it. ${describeError(error)}`);
      if (gone) this.messages.remove(serverId);
    }
  }

  private async send(text: string, ttl: number, picture: ScrubbedPicture | null): Promise<void> {
    if (!this.keys) return;
    const { roomToken } = this.address;
    const id = newMessageId();
    let request: () => Promise<unknown>;
    if (picture) {
      const { type, width, height } = picture;
      const header = { id, from: this.name, ttl, type, width, height, text };
      const sealed = await sealImage(this.keys.image, roomToken, header, picture.bytes);
      if (sealed.length > this.config.maxImageBytes) {
        this.view.showSendError('Too large to send once encrypted: shorten the caption.');
        return;
      }
      request = () => this.client.sendImage(roomToken, { blob: sealed, sealed: true }, { ttl });
    } else {
      const sealed = await sealText(this.keys.text, roomToken, { id, from: this.name, ttl, text });
      if (sealed.length > this.config.maxMessageLength) {
        this.view.showSendError('Too long to send once encrypted: shorten the message.');
        return;
      }
      request = () => this.client.send(roomToken, sealed, ttl);
    }
    this.view.setCanSend(false);
    try {
      await request();
      this.view.sent();
    } catch (error) {
      this.view.showSendError(describeError(error));
    } finally {
      this.view.setCanSend(this.client.connected);
    }
  }

  private async copyLink(): Promise<void> {
    const link = roomLink(location.origin, this.address);
    try {
      await navigator.clipboard.writeText(link);
      setStatus('Link copied. Anyone who has it can join and read this room.');
    } catch {
      this.view.showLinkToCopy(link);
      setStatus('Copy the link from the field shown. Anyone who has it can join and read this room.');
    }
  }

  private async leave(): Promise<void> {
    this.close();
    if (this.client.connected) await this.client.leave(this.address.roomToken).catch(() => undefined);
    this.onLeft();
  }
}
