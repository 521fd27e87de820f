import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import {
  EXPIRY_BATCH_SIZE,
  MEDIA_CHUNK_BYTES,
  MEDIA_RECOUNT_MS,
  MEDIA_WRITE_STALE_MS,
  MISSED_HEARTBEATS_BEFORE_DEAD,
  ORPHAN_SWEEP_MIN_AGE_MS,
  POLLER_FAILURE_REMINDER_MS,
  POLLER_MAX_BACKOFF_MS,
  PRESENCE_TTL_HEARTBEATS,
  RESUME_MAX_REPLAY_BYTES,
  RESUME_MAX_REPLAY_MESSAGES,
  STORE_WAIT_MS,
} from './defaults.js';
import { BurnAfterReading } from './domain/burn-after-reading.js';
import { DomainEvents } from './domain/domain-events.js';
import { ExpiryService } from './domain/expiry-service.js';
import { ImageJanitor } from './domain/image-janitor.js';
import { ImageService } from './domain/image-service.js';
import { buildClientLimits, type ClientLimitParts } from './domain/limits/client-limits.js';
import { followBurns } from './domain/limits/message-bytes.js';
import type { ImageBudget } from './domain/limits/image-budget.js';
import { MessageService } from './domain/message-service.js';
import { PresenceKeeper } from './domain/presence-keeper.js';
import { RoomService } from './domain/room-service.js';
import { SessionRecovery } from './domain/session-recovery.js';
import { AppError } from './errors.js';
import type { Clock } from './lib/clock.js';
import { failureLog } from './lib/failure-log.js';
import { createIdGenerator } from './lib/ids.js';
import type { Part } from './lib/part.js';
import { Semaphore } from './lib/semaphore.js';
import { directoryUsage } from './media/directory-usage.js';
import { processImage } from './media/image-processor.js';
import { LocalMediaStore } from './media/local-media-store.js';
import type { MediaStore } from './media/media-store.js';
import { RedisMediaStore } from './media/redis-media-store.js';
import { checkRedisMemory } from './media/redis-memory-check.js';
import { RoomlessBudget } from './media/roomless-budget.js';
import { UploadStaging } from './media/upload-staging.js';
import { PrometheusMetrics } from './metrics/prometheus-metrics.js';
import { timedStores } from './metrics/timed-stores.js';
import { createMemoryStores } from './store/memory/memory-stores.js';
import { redisKeys } from './store/redis/keys.js';
import { closeRedis, openRedis, type RedisClient } from './store/redis/redis-connection.js';
import { createRedisStores } from './store/redis/redis-stores.js';
import type { Stores } from './store/stores.js';

/** The server without its transports: stores, domain services, background tasks and their events. */
export interface Core extends Part {
  nodeId: string;
  clock: Clock;
  events: DomainEvents;
  metrics: PrometheusMetrics;
  stores: Stores;
  /** The Redis connection the stores use, for the socket.io adapter to share; null on memory. */
  redis: RedisClient | null;
  rooms: RoomService;
  messages: MessageService;
  images: ImageService;
  expiry: ExpiryService;
  staging: UploadStaging;
  limits: ClientLimitParts;
  /** Resuming dropped connections; null when RECOVERY_WINDOW_SECONDS is 0. */
  recovery: SessionRecovery | null;
  /** Takes the participants of another node that is known to have died out of their rooms now. */
  departNode(nodeId: string): Promise<number>;
}

/**
 * Builds the core from Config. Starting it waits (briefly) for the store, prepares the upload
 * directory and starts the background tasks; draining stops the tasks; stopping closes the stores.
 */
export function buildCore(config: Config, log: Logger, clock: Clock): Core {
  const nodeId = randomBytes(6).toString('hex');
  const presenceTtlMs = config.heartbeatMs * PRESENCE_TTL_HEARTBEATS;
  const redisStores = config.redis
    ? createRedisStores(config.redis, {
        nodeId,
        log,
        presenceTtlMs,
        nodeTimeoutMs: config.heartbeatMs * MISSED_HEARTBEATS_BEFORE_DEAD,
        caps: config.rooms,
      })
    : null;
  const metrics = new PrometheusMetrics();
  const stores: Stores = timedStores(redisStores ?? createMemoryStores(config.rooms, clock), metrics);
  const events = new DomainEvents(log);

  // Background tasks log an outage once, not once per poll.
  const outage = (event: string, what: string) =>
    failureLog(log, { event, what, remindEveryMs: POLLER_FAILURE_REMINDER_MS });
  const backoff = { maxBackoffMs: POLLER_MAX_BACKOFF_MS };
  const media = buildMedia(config, log, clock);
  const limits = buildClientLimits(
    config.clientLimits,
    // The Redis media store holds every node to MAX_UPLOAD_BYTES_TOTAL itself, exactly, file by file.
    media.countsTotal ? Infinity : config.media.maxUploadBytesTotal,
    stores.limits,
    clock,
    outage('usage-sync', 'storage totals sync'),
    POLLER_MAX_BACKOFF_MS,
  );
  const { maxRoomParticipants } = config.clientLimits;
  const rooms = new RoomService(
    stores.presence,
    stores.rooms,
    stores.messages,
    clock,
    presenceTtlMs,
    maxRoomParticipants,
  );
  const burns = new BurnAfterReading(stores.messages, stores.presence, stores.unread, config.limits, clock, events);
  const recovery =
    config.recoveryWindowSeconds > 0
      ? new SessionRecovery(
          stores.resumes,
          rooms,
          stores.messages,
          burns,
          {
            windowMs: config.recoveryWindowSeconds * 1000,
            maxReplayMessages: RESUME_MAX_REPLAY_MESSAGES,
            maxReplayBytes: RESUME_MAX_REPLAY_BYTES,
          },
          clock,
        )
      : null;
  const newId = createIdGenerator(clock);
  const messages = new MessageService(
    stores.messages,
    burns,
    config.limits,
    clock,
    newId,
    events,
    metrics,
    limits.messageBytes,
  );
  // Redis counts for every node; a directory is counted as it is, whoever wrote or deleted in it.
  metrics.watchMedia(
    media.countsTotal ? () => media.store.usage() : directoryUsage(() => media.store.list(), MEDIA_RECOUNT_MS, clock),
  );
  // Inside the upload directory: the one place a read-only deployment is sure to be able to write.
  const staging = new UploadStaging(path.join(config.media.uploadDir, '.staging'), clock);
  const images = buildImages(config, {
    stores,
    media: media.store,
    messages,
    events,
    clock,
    log,
    metrics,
    budget: limits.images,
  });

  const poll = { pollMs: config.expiryPollMs, batchSize: EXPIRY_BATCH_SIZE, ...backoff };
  const expiry = new ExpiryService(stores.messages, events, clock, poll, outage('expiry', 'message expiry pass'));
  const janitor = new ImageJanitor(
    images,
    log,
    {
      ...poll,
      sweepMs: config.media.orphanSweepMs,
      sweepMinAgeMs: ORPHAN_SWEEP_MIN_AGE_MS,
      sweepStaging: () => staging.sweep(),
    },
    { expiry: outage('image-expiry', 'image expiry pass'), sweep: outage('image-sweep', 'orphan sweep') },
  );
  const keeper = new PresenceKeeper(
    stores.presence,
    events,
    clock,
    {
      heartbeatMs: config.heartbeatMs,
      ...backoff,
      reapGraceMs: config.heartbeatMs * MISSED_HEARTBEATS_BEFORE_DEAD,
    },
    outage('presence-heartbeat', 'presence heartbeat'),
  );
  const pollers = [expiry, janitor, keeper, limits];

  events.subscribe('images', images.hooks);
  events.subscribe('limits', followBurns(limits.messageBytes, stores.messages, clock, config.limits.maxTtlSeconds));
  events.subscribe('metrics', {
    messageExpired: (expired) => {
      if (expired.cause === 'deadline') metrics.messageExpired(expired.lagMs);
    },
  });
  // A store back from an outage: the tasks resume now rather than at the end of their back-off.
  events.subscribe('background tasks', { storeReconnected: () => pollers.forEach((p) => p.wake()) });
  stores.onReconnect(() => {
    log.info({ event: 'store-reconnected' }, 'store back; restoring presence');
    void events.emit('storeReconnected', {});
  });

  return {
    name: 'core',
    nodeId,
    clock,
    events,
    metrics,
    stores,
    redis: redisStores?.client ?? null,
    rooms,
    messages,
    images,
    expiry,
    staging,
    limits,
    recovery,
    departNode: (deadNodeId) => (deadNodeId === nodeId ? Promise.resolve(0) : keeper.departNode(deadNodeId)),
    async start() {
      if (!(await stores.ready(STORE_WAIT_MS))) {
        log.warn({ event: 'store-unavailable-at-start' }, 'store not reachable; serving anyway and retrying');
      }
      await media.store.init();
      await staging.init();
      for (const poller of pollers) poller.start();
    },
    async drain() {
      for (const poller of pollers) await poller.stop();
    },
    async stop() {
      // Each closes whatever the other does: a failure of one must not leave the other connected.
      const closed = await Promise.allSettled([stores.close(), media.close()]);
      for (const outcome of closed) if (outcome.status === 'rejected') throw outcome.reason;
    },
  };
}

interface MediaParts {
  store: MediaStore;
  /** Whether the store bounds MAX_UPLOAD_BYTES_TOTAL for every node itself (else the limits' gauge does). */
  countsTotal: boolean;
  close(): Promise<void>;
}

/** Where images' sealed bytes live (MEDIA_STORE), with the budgets the store keeps itself. */
function buildMedia(config: Config, log: Logger, clock: Clock): MediaParts {
  const { store, uploadDir, maxUploadBytesTotal, roomlessBytesTotal } = config.media;
  if (store === 'redis' && config.redis) {
    // A connection of its own: 256 KiB chunks never queue in front of the chat's small commands.
    const client = openRedis(config.redis.url, log);
    client.on('ready', () => void checkRedisMemory(client, maxUploadBytesTotal, log));
    const options = {
      maxBytes: maxUploadBytesTotal,
      maxRoomlessBytes: roomlessBytesTotal,
      clock,
      chunkBytes: MEDIA_CHUNK_BYTES,
      staleMs: MEDIA_WRITE_STALE_MS,
    };
    return {
      store: new RedisMediaStore(client, redisKeys(config.redis.keyPrefix), options),
      countsTotal: true,
      close: () => closeRedis(client),
    };
  }
  // MAX_UPLOAD_BYTES_TOTAL is counted by limits.images, in the store, for every node together: the
  // directory's own count sees only this node's writes, not what other nodes sharing it delete.
  return {
    store: new RoomlessBudget(new LocalMediaStore(uploadDir, Infinity), roomlessBytesTotal),
    countsTotal: false,
    close: () => Promise.resolve(),
  };
}

interface ImageParts {
  stores: Stores;
  media: MediaStore;
  messages: MessageService;
  events: DomainEvents;
  clock: Clock;
  log: Logger;
  metrics: PrometheusMetrics;
  budget: ImageBudget;
}

/** Images with their bounds: how many are taken in at once, how many decoded at once. */
function buildImages(config: Config, parts: ImageParts): ImageService {
  const busy = () => new AppError('IMAGES_BUSY');
  const { maxConcurrentImages, maxQueuedImages } = config.media;
  return new ImageService({
    ...parts,
    images: parts.stores.images,
    policy: { ...config.limits, maxUploadBytes: config.media.maxUploadBytes, maxPixels: config.media.maxImagePixels },
    newId: createIdGenerator(parts.clock),
    process: processImage,
    admission: new Semaphore(maxConcurrentImages + maxQueuedImages, 0, busy),
    roomless: { maxTtlSeconds: Math.min(config.media.roomlessMaxTtlSeconds, config.limits.maxTtlSeconds) },
    // Its queue never fills: admission lets no more in than it has room for.
    gate: new Semaphore(maxConcurrentImages, maxQueuedImages, busy),
  });
}
