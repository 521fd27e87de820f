import type { ImageStore } from './image-store.js';
import type { LimitStore } from './limit-store.js';
import type { MessageStore } from './message-store.js';
import type { PresenceStore } from './presence-store.js';
import type { ResumeStore } from './resume-store.js';
import type { RoomStore } from './room-store.js';
import type { StoreHealth } from './store-health.js';
import type { UnreadStore } from './unread-store.js';

/** Everything the domain needs from storage, built once by the composition root. */
export interface Stores {
  messages: MessageStore;
  presence: PresenceStore;
  rooms: RoomStore;
  images: ImageStore;
  unread: UnreadStore;
  /** Records of resumable connections (feature `resume`). */
  resumes: ResumeStore;
  /** Shared state of client limits (rates per address, byte totals, the address salt). */
  limits: LimitStore;
  health: StoreHealth;
  /** Resolves once the store answers, or after `timeoutMs` when it does not (start-up never blocks on it). */
  ready(timeoutMs: number): Promise<boolean>;
  /** Calls `listener` each time the store comes back after an outage (its volatile state may be gone). */
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
}
