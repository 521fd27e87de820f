import { createAdapter } from '@socket.io/redis-adapter';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { RedisClient } from '../store/redis/redis-connection.js';

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
  const publish = pub.publish.bind(pub);
  Object.defineProperty(pub, 'publish', {
    value: (channel: string, message: string | Buffer) => publish(channel, message).catch(() => 0),
  });
  pub.connect().catch((err: Error) => log.warn({ event: 'adapter-connect-failed', err: err.message }, 'adapter pub'));
  sub.connect().catch((err: Error) => log.warn({ event: 'adapter-connect-failed', err: err.message }, 'adapter sub'));
  io.adapter(createAdapter(pub, sub, { key: `${channelPrefix}socket.io` }));
  return async () => {
    for (const c of [pub, sub]) {
      if (c.isOpen) await c.close().catch(() => undefined);
      else c.destroy();
    }
  };
}
