import type { Logger } from 'pino';
import type { RedisConfig } from '../../config.js';
import { STORE_PROBE_TTL_MS } from '../../defaults.js';
import type { RoomCaps } from '../message-store.js';
import type { Stores } from '../stores.js';
import { redisKeys } from './keys.js';
import { closeRedis, openRedis, type RedisClient } from './redis-connection.js';
import { RedisImageStore } from './redis-image-store.js';
import { RedisLimitStore } from './redis-limit-store.js';
import { RedisMessageStore } from './redis-message-store.js';
import { RedisPresenceStore } from './redis-presence-store.js';
import { RedisResumeStore } from './redis-resume-store.js';
import { RedisRoomStore } from './redis-room-store.js';
import { RedisUnreadStore } from './redis-unread-store.js';
import { storeCall } from './store-call.js';

export interface RedisStores extends Stores {
  client: RedisClient;
  presence: RedisPresenceStore;
}

export function createRedisStores(
  config: RedisConfig,
  options: { nodeId: string; log: Logger; presenceTtlMs: number; nodeTimeoutMs: number; caps: RoomCaps },
): RedisStores {
  const client = openRedis(config.url, options.log);
  const keys = redisKeys(config.keyPrefix);
  const presence = new RedisPresenceStore(client, keys, {
    nodeId: options.nodeId,
    ttlMs: options.presenceTtlMs,
    nodeTimeoutMs: options.nodeTimeoutMs,
  });
  return {
    client,
    messages: new RedisMessageStore(client, keys, options.caps),
    presence,
    rooms: new RedisRoomStore(client, keys),
    images: new RedisImageStore(client, keys),
    unread: new RedisUnreadStore(client, keys),
    resumes: new RedisResumeStore(client, keys),
    limits: new RedisLimitStore(client, keys),
    health: {
      kind: 'redis',
      state: () => (client.isReady ? 'connected' : 'disconnected'),
      roundTrip: () =>
        storeCall(async () => {
          const key = keys.probe(options.nodeId);
          const value = `probe ${Date.now()}`;
          await client.set(key, value, { expiration: { type: 'PX', value: STORE_PROBE_TTL_MS } });
          const read = await client.get(key);
          await client.del(key);
          return read ?? '';
        }),
    },
    ready: (timeoutMs) =>
      client.isReady
        ? Promise.resolve(true)
        : new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => {
              client.off('ready', onReady);
              resolve(false);
            }, timeoutMs);
            const onReady = () => {
              clearTimeout(timer);
              resolve(true);
            };
            client.once('ready', onReady);
          }),
    onReconnect: (listener) => {
      let seenReady = client.isReady;
      client.on('ready', () => {
        if (seenReady) listener();
        seenReady = true;
      });
    },
    close: async () => {
      // Leave nothing of this node behind: its presence would otherwise linger until reaped.
      if (client.isReady) await presence.removeNode(options.nodeId).catch(() => []);
      await closeRedis(client);
    },
  };
}
