import { createClient } from 'redis';
import type { Logger } from 'pino';
import { REDIS_CLOSE_TIMEOUT_MS, REDIS_CONNECT_TIMEOUT_MS, REDIS_RECONNECT_MAX_DELAY_MS } from '../../defaults.js';
import { withTimeout } from '../../lib/timeout.js';
import { scripts } from './scripts.js';

/**
 * Opens a node-redis client that never blocks start-up: if Redis is down it keeps retrying in the
 * background, and commands fail at once (no offline queue) so a message is refused rather than
 * held in memory and reported as stored. The stores' Lua scripts are methods of the client.
 */
export function openRedis(url: string, log: Logger) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    // No per-command timeout: storeCall bounds each store call with one timer instead.
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, REDIS_RECONNECT_MAX_DELAY_MS),
    },
    scripts,
  });
  let wasReady = false;
  client.on('ready', () => {
    wasReady = true;
    log.info({ event: 'redis-ready' }, 'redis connected');
  });
  client.on('error', (err: Error) => {
    // Logged once per outage, not once per retry.
    if (wasReady) log.warn({ event: 'redis-error', err: err.message }, 'redis connection lost');
    wasReady = false;
  });
  client.connect().catch((err: Error) => {
    log.warn({ event: 'redis-connect-failed', err: err.message }, 'redis not reachable yet; retrying');
  });
  return client;
}

export type RedisClient = ReturnType<typeof openRedis>;

/**
 * Closes a client without waiting on an outage. node-redis's `close()` waits for every queued
 * command, which while Redis is down means until it comes back; so a client that is not connected
 * is destroyed at once (its queued commands fail, which their callers handle), and one that is
 * gets a bounded graceful close.
 */
export async function closeRedis(client: { isReady: boolean; close(): Promise<void>; destroy(): void }): Promise<void> {
  if (!client.isReady) return client.destroy();
  await withTimeout(client.close(), REDIS_CLOSE_TIMEOUT_MS, 'redis close timed out').catch(() => client.destroy());
}
