import { newRoomSecret, newRoomToken, parseRoomFragment } from '../src/client/e2e/room-link.js';
import type { GhostChatClient } from '../src/client/ghostchat-client.js';
import type { ClientConfig } from '../src/protocol/client-config.js';
import { describeError } from './describe-error.js';
import { byId, showView } from './dom.js';
import { randomGhostName } from './ghost-name.js';
import { forgetRoom, hideSecret, recallRoom, rememberRoom, type StoredRoom } from './room-storage.js';
import { RoomSession } from './room-session.js';

/**
 * The page's navigation: the address fragment says which room (`#/r/<TOKEN>[/<secret>]`), the lobby
 * creates one or opens a pasted link, the join form picks a name, and a RoomSession runs the room.
 */
export class App {
  private session: RoomSession | null = null;
  private joinToken = '';

  constructor(
    private readonly client: GhostChatClient,
    private readonly config: ClientConfig,
  ) {
    for (const prefix of ['create', 'join']) {
      const name = byId<HTMLInputElement>(`${prefix}-name`);
      name.maxLength = config.maxAgentIdLength;
      name.value = randomGhostName();
      byId(`${prefix}-reroll`).addEventListener('click', () => (name.value = randomGhostName()));
    }
    byId('create-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const roomToken = newRoomToken();
      rememberRoom(roomToken, { secret: newRoomSecret(), name: this.nameFrom('create-name') });
      location.hash = `#/r/${roomToken}`;
    });
    byId('open-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.openLink(byId<HTMLInputElement>('open-link').value.trim());
    });
    byId('join-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const stored = recallRoom(this.joinToken);
      if (stored) void this.enter(this.joinToken, { secret: stored.secret, name: this.nameFrom('join-name') }, false);
    });
  }

  async route(): Promise<void> {
    const address = parseRoomFragment(location.hash);
    if (!address) {
      this.closeSession();
      this.showLobby(location.hash.length > 2 ? 'That is not a GhostChat room link.' : '');
      return;
    }
    const { roomToken, secret } = address;
    if (secret !== null) {
      const known = recallRoom(roomToken);
      rememberRoom(roomToken, { secret, name: known?.secret === secret ? known.name : null });
      hideSecret(roomToken);
    }
    if (this.session?.address.roomToken === roomToken && secret === null) return;
    this.closeSession();
    const stored = recallRoom(roomToken);
    if (stored?.name) await this.enter(roomToken, stored, true);
    else this.showJoin(roomToken, stored !== null, '');
  }

  private async enter(roomToken: string, stored: StoredRoom, retryTaken: boolean): Promise<void> {
    if (!stored.name) return;
    const address = { roomToken, secret: stored.secret };
    const session = new RoomSession(this.client, this.config, address, stored.name, () => {
      forgetRoom(roomToken);
      this.session = null;
      location.hash = '';
    });
    this.session = session;
    try {
      await session.start(retryTaken);
    } catch (error) {
      session.close();
      if (this.session === session) this.session = null;
      rememberRoom(roomToken, { secret: stored.secret, name: null });
      this.showJoin(roomToken, true, describeError(error));
      return;
    }
    rememberRoom(roomToken, stored);
    showView('room');
    byId('message-input').focus();
  }

  private closeSession(): void {
    this.session?.close();
    this.session = null;
  }

  private showLobby(error: string): void {
    byId('open-error').textContent = error;
    showView('lobby');
    byId('create-name').focus();
  }

  private showJoin(roomToken: string, hasKey: boolean, error: string): void {
    this.joinToken = roomToken;
    byId('join-token').textContent = roomToken;
    byId('join-no-key').hidden = hasKey;
    byId<HTMLButtonElement>('join-form').querySelector('button[type=submit]')?.toggleAttribute('disabled', !hasKey);
    byId('join-error').textContent = error;
    showView('join');
    byId('join-name').focus();
  }

  private openLink(text: string): void {
    let url: URL;
    try {
      url = new URL(text, location.href);
    } catch {
      url = new URL(location.href);
    }
    const address = parseRoomFragment(url.hash);
    if (!address?.secret) {
      byId('open-error').textContent = 'That is not a full GhostChat room link.';
    } else if (url.origin !== location.origin) {
      byId('open-error').textContent = 'That link is for another GhostChat server: open it in the address bar.';
    } else {
      location.hash = url.hash;
    }
  }

  /** The typed name, or a fresh random one when it is blank (the server refuses blank names). */
  private nameFrom(id: string): string {
    const name = byId<HTMLInputElement>(id).value.trim();
    return name || randomGhostName();
  }
}
