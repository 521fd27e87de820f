import type { Logger } from 'pino';
import type { RedisClient } from '../store/redis/redis-connection.js';

/**
 * Says, once per connection, what in Redis's memory settings would hurt images kept there: an
 * evicting policy drops pieces of images (and messages) at random, and a `maxmemory` below
 * MAX_UPLOAD_BYTES_TOTAL refuses images (STORAGE_FULL) before the budget is reached. A Redis that
 * does not let its configuration be read (a managed one, CONFIG renamed) is left to the operator.
 */
export async function checkRedisMemory(client: RedisClient, maxUploadBytesTotal: number, log: Logger): Promise<void> {
  let settings: Record<string, string>;
  try {
    settings = await client.configGet('maxmemory*');
  } catch {
    return;
  }
  const policy = settings['maxmemory-policy'];
  if (policy !== undefined && policy !== 'noeviction') {
    log.warn(
      { event: 'media-redis-evicts', policy },
      'Redis evicts keys when full: images kept there may lose pieces; set maxmemory-policy noeviction',
    );
  }
  const maxmemory = Number(settings.maxmemory ?? 0);
  if (maxmemory > 0 && maxmemory < maxUploadBytesTotal) {
    log.warn(
      { event: 'media-redis-too-small', maxmemory, maxUploadBytesTotal },
      "Redis's maxmemory is below MAX_UPLOAD_BYTES_TOTAL: images will be refused before their budget is used",
    );
  }
}
