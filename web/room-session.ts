import { deriveRoomKey, type RoomKey } from '../src/client/e2e/room-keys.js';
import { ReplayGuard } from '../src/client/e2e/replay-guard.js';
import { roomLink, secretBytes } from '../src/client/e2e/room-link.js';
import { newMessageId, openText, sealText } from '../src/client/e2e/text-envelope.js';
import { GhostChatError, type GhostChatClient } from '../src/client/ghostchat-client.js';
import type { JoinRoomResult } from '../src/protocol/contract.js';
import type { ClientConfig } from '../src/protocol/client-config.js';
import type { NewMessage } from '../src/protocol/messages.js';
import { describeError } from './describe-error.js';
import { byId, setStatus } from './dom.js';
import { MessageList, type Body } from './message-list.js';
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
  private key: RoomKey | null = null;
  private readonly guard = new ReplayGuard();
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
    this.messages = new MessageList(byId<HTMLOListElement>('messages'), config.burnAfterReadSeconds);
    this.view = new RoomView(config, address.roomToken, {
      send: (text, ttl) => this.send(text, ttl),
      copyLink: () => this.copyLink(),
      leave: () => this.leave(),
    });
  }

  /** Joins; rejects with the server's refusal. `retryTaken`: the name may still be held by this tab's last connection. */
  async start(retryTaken: boolean): Promise<void> {
    const { roomToken } = this.address;
    this.key = await deriveRoomKey(secretBytes(this.address.secret)!, 'text');
    const mine = (payload: { roomToken: string }) => payload.roomToken === roomToken;
    this.subscriptions.push(
      this.client.on('new-message', (m) => mine(m) && this.enqueue(() => this.show(m))),
      this.client.on(
        'message-expired',
        (e) => mine(e) && this.enqueue(async () => void this.messages.remove(e.messageId)),
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
    if (this.closed || !this.key || 'unrevealed' in message) return;
    // A caption is sealed like a text; an image message's caption is its text.
    const text = message.type === 'text' ? message : { ...message, type: 'text' as const, message: message.caption };
    const opened = await openText(this.key, text);
    let body: Body;
    if (opened.kind === 'sealed') {
      if (!this.guard.firstSight(opened.content.id)) return; // a replayed copy: shown once already
      body = { state: 'sealed', text: opened.content.text };
    } else if (opened.kind === 'plain') {
      body = { state: 'plain', text: opened.text };
      if (message.type === 'image') body.imageUrl = message.imageData.imageUrl;
    } else {
      body = { state: 'unreadable' };
    }
    this.messages.add({
      serverId: message.id,
      sender: message.sender,
      mine: message.sender === this.name,
      timestamp: message.timestamp,
      ttl: message.ttl,
      body,
      // The server starts the burn when someone besides the sender gets it live.
      burning: message.ttl === 0 && this.view.participantCount > 1,
    });
  }

  private async send(text: string, ttl: number): Promise<void> {
    if (!this.key) return;
    const { roomToken } = this.address;
    const sealed = await sealText(this.key, roomToken, { id: newMessageId(), from: this.name, ttl, text });
    if (sealed.length > this.config.maxMessageLength) {
      this.view.showSendError('Too long to send once encrypted: shorten the message.');
      return;
    }
    this.view.setCanSend(false);
    try {
      await this.client.send(roomToken, sealed, ttl);
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
