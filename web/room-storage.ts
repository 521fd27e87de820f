import { secretBytes } from '../src/client/e2e/room-link.js';

/**
 * What this tab remembers of a room, in sessionStorage (this tab only, gone when it closes): the
 * room's secret, so a reload can still read it once the secret has left the address bar, and the
 * name joined under, so a reload rejoins as the same ghost.
 */
export interface StoredRoom {
  secret: string;
  /** null until a join under it succeeded. */
  name: string | null;
}

const keyOf = (roomToken: string) => `ghostchat:room:${roomToken}`;

export function recallRoom(roomToken: string): StoredRoom | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(keyOf(roomToken)) ?? 'null') as Partial<StoredRoom> | null;
    if (!value || typeof value.secret !== 'string' || secretBytes(value.secret) === null) return null;
    return { secret: value.secret, name: typeof value.name === 'string' ? value.name : null };
  } catch {
    return null;
  }
}

export function rememberRoom(roomToken: string, room: StoredRoom): void {
  sessionStorage.setItem(keyOf(roomToken), JSON.stringify(room));
}

export function forgetRoom(roomToken: string): void {
  sessionStorage.removeItem(keyOf(roomToken));
}

/** Takes the secret out of the address bar (and so out of history and screenshots); the room stays. */
export function hideSecret(roomToken: string): void {
  history.replaceState(null, '', `${location.pathname}${location.search}#/r/${roomToken}`);
}
