import { sealImage } from '../src/client/e2e/image-envelope.js';
import { ReplayGuard } from '../src/client/e2e/replay-guard.js';
import { deriveRoomKey } from '../src/client/e2e/room-keys.js';
import { roomLink, secretBytes } from '../src/client/e2e/room-link.js';
import { newMessageId, sealText } from '../src/client/e2e/text-envelope.js';
import { GhostChatError, type GhostChatClient } from '../src/client/ghostchat-client.js';
import type { JoinRoomResult } from '../src/protocol/contract.js';
import type { ClientConfig } from '../src/protocol/client-config.js';
import { asRevealerReceives, type ChatMessage, type NewMessage } from '../src/protocol/messages.js';
import type { ResumeOutcome } from '../src/protocol/resume.js';
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

function caughtUp(complete: boolean): void {
  setStatus(
    complete
      ? 'Reconnected. Nothing said meanwhile was missed.'
      : 'Reconnected. Not all that was said meanwhile could be read.',
  );
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
      this.client.on('room-joined', (r) => mine(r) && this.view.setParticipants(r.participants, this.name)),
      this.client.onResume((outcome) => void this.resumed(outcome)),
      // A reconnection that resumes is told how it went (onResume); any other joins again.
      this.client.onConnect(() => {
        if (this.joined && this.lostConnection && !this.client.resuming) void this.rejoin();
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

  /**
   * The connection came back and resumed: the server put it back in the room under its name and
   * replayed what it missed (or said it could not: then the history fills the gap). A room it was
   * not given back is joined again.
   */
  private async resumed(outcome: ResumeOutcome): Promise<void> {
    if (!this.joined || !this.lostConnection || this.closed) return;
    const room = outcome.ok ? outcome.rooms.find((r) => r.roomToken === this.address.roomToken) : undefined;
    if (!room?.rejoined) return this.rejoin();
    this.lostConnection = false;
    this.view.setCanSend(true);
    caughtUp(room.recovered || (await this.readHistory()));
  }

  private async rejoin(): Promise<void> {
    try {
      this.accept(await this.join(true));
      caughtUp(await this.readHistory());
    } catch (error) {
      if (!this.closed) setStatus(`Could not rejoin the room. ${describeError(error)}`);
    }
  }

  /**
   * Fills a gap from the room's history (reading it never burns anything): shows what is not on
   * screen yet, as a live delivery would (another's burn-after-reading message sealed until
   * revealed), and removes what went meanwhile. False when it could not read all of the gap.
   */
  private async readHistory(): Promise<boolean> {
    const { roomToken } = this.address;
    let page: { messages: ChatMessage[]; hasMore: boolean };
    try {
      const response = await fetch(`/api/room/${roomToken}/messages?limit=200`);
      if (!response.ok) return false;
      page = (await response.json()) as typeof page;
    } catch {
      return false;
    }
    const { messages, hasMore } = page;
    const ids = messages.map((m) => m.id);
    // The gap is covered when the page reaches back to what was on screen, or to the room's start.
    const covered = !hasMore || ids.some((id) => this.messages.has(id));
    this.client.remember(roomToken, ids);
    this.enqueue(async () => {
      this.messages.removeMissing(new Set(ids), hasMore ? (messages[0]?.timestamp ?? null) : null);
      for (const message of messages) await this.show(asRevealerReceives(message, this.name));
    });
    return covered;
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch(() => undefined);
  }

  private async show(message: NewMessage): Promise<void> {
    if (this.closed || !this.opener || this.messages.has(message.id)) return;
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
