import { createAdapter } from '@socket.io/redis-adapter';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import { closeRedis, type RedisClient } from '../store/redis/redis-connection.js';

/**
 * Shares room broadcasts between nodes over Redis Pub/Sub. Pub/Sub rather than the streams adapter:
 * a stream would keep the last broadcasts (message texts) in Redis with no TTL, and nothing may
 * outlive its TTL here.
 */
export function attachRedisAdapter(
  io: Server,
  client: RedisClient,
  channelPrefix: string,
  log: Logger,
): () => Promise<void> {
  const pub = client.duplicate();
  // The subscriber keeps its offline queue so its subscriptions are sent once Redis answers.
  const sub = client.duplicate({ disableOfflineQueue: false });
  for (const c of [pub, sub]) c.on('error', () => {});
  // The adapter publishes without awaiting: with Redis down a rejected publish would be an
  // unhandled rejection. Other nodes miss that broadcast, which the store outage already implies.
  ignoreFailures(pub, ['publish']);
  // Nor does it await its (un)subscriptions, which wait in the offline queue during an outage and
  // fail when a shutdown destroys the client; node-redis resubscribes by itself after a reconnect.
  ignoreFailures(sub, ['subscribe', 'pSubscribe', 'unsubscribe', 'pUnsubscribe']);
  pub.connect().catch((err: Error) => log.warn({ event: 'adapter-connect-failed', err: err.message }, 'adapter pub'));
  sub.connect().catch((err: Error) => log.warn({ event: 'adapter-connect-failed', err: err.message }, 'adapter sub'));
  io.adapter(createAdapter(pub, sub, { key: `${channelPrefix}socket.io` }));
  return async () => {
    for (const c of [pub, sub]) await closeRedis(c);
  };
}

/** Replaces each method with one whose failures are dropped, for callers that never await them. */
function ignoreFailures(client: object, methods: string[]): void {
  for (const method of methods) {
    const original = (client as Record<string, (...args: unknown[]) => Promise<unknown>>)[method]!.bind(client);
    Object.defineProperty(client, method, {
      value: (...args: unknown[]) => original(...args).catch(() => undefined),
    });
  }
}
