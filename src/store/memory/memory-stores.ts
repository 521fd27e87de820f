import type { Stores } from '../stores.js';
import { MemoryImageStore } from './memory-image-store.js';
import { MemoryLimitStore } from './memory-limit-store.js';
import { MemoryMessageStore } from './memory-message-store.js';
import { MemoryPresenceStore } from './memory-presence-store.js';
import { MemoryRoomStore } from './memory-room-store.js';
import { MemoryUnreadStore } from './memory-unread-store.js';

export function createMemoryStores(): Stores {
  const rooms = new MemoryRoomStore();
  return {
    messages: new MemoryMessageStore(rooms),
    presence: new MemoryPresenceStore(),
    rooms,
    images: new MemoryImageStore(),
    unread: new MemoryUnreadStore(),
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
