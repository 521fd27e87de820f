import type { Clock } from '../../lib/clock.js';
import type { RoomCaps } from '../message-store.js';
import type { Stores } from '../stores.js';
import { MemoryImageStore } from './memory-image-store.js';
import { MemoryLimitStore } from './memory-limit-store.js';
import { MemoryMessageStore } from './memory-message-store.js';
import { MemoryPresenceStore } from './memory-presence-store.js';
import { MemoryResumeStore } from './memory-resume-store.js';
import { MemoryRoomStore } from './memory-room-store.js';
import { MemoryUnreadStore } from './memory-unread-store.js';

export function createMemoryStores(caps: RoomCaps, clock: Clock = Date.now): Stores {
  // A room lives while either store holds something of it; each tells the room store when it let go.
  const rooms: MemoryRoomStore = new MemoryRoomStore((roomToken) => presence.has(roomToken) || messages.has(roomToken));
  const presence: MemoryPresenceStore = new MemoryPresenceStore((roomToken) => rooms.release(roomToken));
  const messages: MemoryMessageStore = new MemoryMessageStore(rooms, caps);
  return {
    messages,
    presence,
    rooms,
    images: new MemoryImageStore(),
    unread: new MemoryUnreadStore(),
    resumes: new MemoryResumeStore(clock),
    limits: new MemoryLimitStore(),
    health: {
      kind: 'memory',
      state: () => 'memory',
      roundTrip: async () => 'memory store: nothing to test over the network',
    },
    ready: async () => true,
    onReconnect: () => {},
    close: async () => {},
  };
}
