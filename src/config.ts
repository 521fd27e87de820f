import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { clientLimitsFrom, type ClientLimits } from './config-limits.js';
import { boolean, commaList, ConfigError, intInRange, optional, parse, type Env } from './config-parse.js';
import { ALLOCATOR_ENV } from './defaults.js';

export type { ClientLimits } from './config-limits.js';
import type { RoomCaps } from './store/message-store.js';

/** The typed, validated configuration. The only place that knows environment variable names. */
export interface Config {
  port: number;
  host: string;
  nodeEnv: 'development' | 'production' | 'test';
  allowedOrigins: string[];
  /**
   * Origins where this server's own page is opened (PUBLIC_URL): their handshakes are let in and
   * the page is served only to requests addressed to them. null: the loopback names (localhost,
   * 127.0.0.1, [::1]) of the port a request arrives on.
   */
  pageOrigins: string[] | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  redis: RedisConfig | null;
  limits: {
    maxTtlSeconds: number;
    defaultTtlSeconds: number;
    burnAfterReadSeconds: number;
    maxMessageLength: number;
    maxAgentIdLength: number;
    maxSocketPayloadBytes: number;
    /** A socket.io packet still waiting for its binary attachments this long is dropped, with its connection. */
    incompletePacketTimeoutMs: number;
  };
  /** What one room may hold; past its message caps its oldest messages go, past its image bytes images are refused. */
  rooms: RoomCaps;
  expiryPollMs: number;
  media: MediaConfig;
  /** How often a node tells a shared store it is alive; silent for 3x this, it is taken for dead. */
  heartbeatMs: number;
  /** How long a dropped connection may be resumed (feature `resume`); 0 offers no resume. */
  recoveryWindowSeconds: number;
  /** Worker processes on one port (node:cluster); 1 runs the single process with no primary. */
  workers: number;
  /** Set for the workers the primary forks: glibc malloc settings (ALLOCATOR_ENV), or none if the operator chose their own. */
  workerEnv: Readonly<Record<string, string>>;
  shutdownTimeoutMs: number;
  metrics: MetricsConfig;
  clientLimits: ClientLimits;
}

/** Where /metrics is served: its own port, or the public one behind a bearer token, or nowhere. */
export interface MetricsConfig {
  port: number | null;
  host: string;
  token: string | null;
}

/** Images: where their sealed bytes go and the bounds that keep hostile uploads harmless. */
export interface MediaConfig {
  /**
   * Where the sealed bytes live: `local` in `uploadDir` (one node, or nodes sharing one volume), or
   * `redis`, which every node reaches without a shared disk.
   */
  store: 'local' | 'redis';
  /** The local store's files, and every node's staging of uploads as they arrive. */
  uploadDir: string;
  /** One image, as uploaded or sent over the socket. */
  maxUploadBytes: number;
  /** Every stored image together, of every node sharing the store. */
  maxUploadBytesTotal: number;
  /** Declared width x height (all frames) above which an image is refused before decoding. */
  maxImagePixels: number;
  /** Images held in memory and decoded at once; more wait their turn, so memory stays bounded. */
  maxConcurrentImages: number;
  /** Images received in full and waiting for a turn (uploads wait sealed on disk); beyond that, IMAGES_BUSY. */
  maxQueuedImages: number;
  /** How often files without a live key are removed (also once at start-up). */
  orphanSweepMs: number;
  /** An upload that sends nothing for this long is answered 408 and its connection closed. */
  uploadIdleTimeoutMs: number;
  /** Image responses (GET) this process sends at once; beyond that, 503 IMAGES_BUSY. */
  maxImageDownloads: number;
  /** An image response whose client takes nothing for this long is cut off, its place freed. */
  downloadIdleTimeoutMs: number;
  /** Images uploaded without a room (POST /api/upload-image) together: per node (local), for all nodes (redis). */
  roomlessBytesTotal: number;
  /** Longest life of an image uploaded without a room, seconds; a longer TTL is shortened to it. */
  roomlessMaxTtlSeconds: number;
}

export interface RedisConfig {
  url: string;
  keyPrefix: string;
}

export { ConfigError } from './config-parse.js';

const origins = commaList
  // As browsers send it (lower-case scheme and host, no default port, no path): compared verbatim.
  .pipe(z.array(z.url({ protocol: /^https?$/ }).transform((u) => new URL(u).origin)).min(1));

function redisFrom(env: Env): RedisConfig | null {
  const keyPrefix = parse(
    env,
    'REDIS_PREFIX',
    z.string().regex(/^[\w:.-]{1,64}$/, 'letters, digits, _ : . - only'),
    'ghostchat:',
  );
  const url = optional(env, 'REDIS_URL', z.string().regex(/^rediss?:\/\/.+/, 'must start with redis:// or rediss://'));
  if (url) return { url, keyPrefix };
  const host = optional(env, 'REDIS_HOST', z.string().regex(/^[\w.:[\]-]+$/, 'must be a host name or address'));
  if (!host) return null;
  const port = parse(env, 'REDIS_PORT', intInRange(1, 65535), '6379');
  const username = env.REDIS_USERNAME ?? '';
  const password = env.REDIS_PASSWORD ?? '';
  const tls = parse(env, 'REDIS_TLS', boolean, 'false');
  const auth = username || password ? `${encodeURIComponent(username)}:${encodeURIComponent(password)}@` : '';
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { url: `${tls ? 'rediss' : 'redis'}://${auth}${hostPart}:${port}`, keyPrefix };
}

function metricsFrom(env: Env, publicPort: number, host: string): MetricsConfig {
  const port = optional(env, 'METRICS_PORT', intInRange(1, 65535)) ?? null;
  if (port !== null && port === publicPort) {
    throw new ConfigError('METRICS_PORT', 'must differ from PORT (metrics stay off the public port)');
  }
  const token = optional(env, 'METRICS_TOKEN', z.string().trim().min(16, 'must be at least 16 characters')) ?? null;
  return { port, host: parse(env, 'METRICS_HOST', z.string().min(1), host), token };
}

/** Characters of a base64 `data:` URL holding `bytes` bytes (with room for its `data:...;base64,` head). */
export function dataUrlLength(bytes: number): number {
  return 64 + Math.ceil(bytes / 3) * 4;
}

function mediaFrom(env: Env): MediaConfig {
  const maxUploadBytes = parse(env, 'MAX_UPLOAD_BYTES', intInRange(1024, 64 * 1024 * 1024), String(10 * 1024 * 1024));
  const maxUploadBytesTotal = parse(env, 'MAX_UPLOAD_BYTES_TOTAL', intInRange(1024, 2 ** 50), String(1024 ** 3));
  if (maxUploadBytesTotal < maxUploadBytes) {
    throw new ConfigError('MAX_UPLOAD_BYTES_TOTAL', `must be at least MAX_UPLOAD_BYTES (${maxUploadBytes})`);
  }
  // A tenth of the disk budget by default: uploads that belong to no room can never fill it.
  const roomlessBytesTotal = parse(
    env,
    'ROOMLESS_UPLOAD_BYTES_TOTAL',
    intInRange(1024, 2 ** 50),
    String(Math.max(maxUploadBytes, Math.floor(maxUploadBytesTotal / 10))),
  );
  if (roomlessBytesTotal < maxUploadBytes || roomlessBytesTotal > maxUploadBytesTotal) {
    throw new ConfigError(
      'ROOMLESS_UPLOAD_BYTES_TOTAL',
      'must lie between MAX_UPLOAD_BYTES and MAX_UPLOAD_BYTES_TOTAL',
    );
  }
  return {
    store: parse(env, 'MEDIA_STORE', z.enum(['local', 'redis']), 'local'),
    uploadDir: parse(
      env,
      'UPLOAD_DIR',
      z
        .string()
        .trim()
        .min(1)
        .regex(/^[^\0]+$/, 'must not contain NUL'),
      './uploads',
    ),
    maxUploadBytes,
    maxUploadBytesTotal,
    // Far below sharp's default (268 MP): 50 MP is a 200 MB RGBA bitmap once decoded.
    maxImagePixels: parse(env, 'MAX_IMAGE_PIXELS', intInRange(1, 100_000_000), '50000000'),
    maxConcurrentImages: parse(env, 'MAX_CONCURRENT_IMAGES', intInRange(1, 64), '2'),
    maxQueuedImages: parse(env, 'MAX_QUEUED_IMAGES', intInRange(0, 1024), '32'),
    orphanSweepMs: parse(env, 'ORPHAN_SWEEP_MS', intInRange(1000, 86_400_000), '3600000'),
    uploadIdleTimeoutMs: parse(env, 'UPLOAD_IDLE_TIMEOUT_MS', intInRange(100, 300_000), '10000'),
    // Each costs up to ~600 KiB while its client is slow (a piece read from the store and one
    // opened): 256 of them, ~150 MiB at worst, in every process.
    maxImageDownloads: parse(env, 'MAX_IMAGE_DOWNLOADS', intInRange(1, 100_000), '256'),
    downloadIdleTimeoutMs: parse(env, 'DOWNLOAD_IDLE_TIMEOUT_MS', intInRange(100, 300_000), '10000'),
    roomlessBytesTotal,
    roomlessMaxTtlSeconds: parse(env, 'ROOMLESS_UPLOAD_MAX_TTL', intInRange(1, 30 * 86_400), '3600'),
  };
}

function roomsFrom(env: Env, media: MediaConfig): RoomCaps {
  const maxImageBytes = parse(env, 'MAX_ROOM_IMAGE_BYTES', intInRange(1024, 2 ** 50), String(64 * 1024 ** 2));
  if (maxImageBytes < media.maxUploadBytes) {
    throw new ConfigError('MAX_ROOM_IMAGE_BYTES', `must be at least MAX_UPLOAD_BYTES (${media.maxUploadBytes})`);
  }
  return {
    maxMessages: parse(env, 'MAX_ROOM_MESSAGES', intInRange(1, 1_000_000), '2000'),
    maxMessageBytes: parse(env, 'MAX_ROOM_MESSAGE_BYTES', intInRange(65_536, 2 ** 40), String(4 * 1024 ** 2)),
    maxImageBytes,
  };
}

/** `auto` is one worker per core; more than one needs Redis, through which workers share rooms. */
function workersFrom(env: Env, cores: number, redis: RedisConfig | null): number {
  const workers = parse(
    env,
    'WORKERS',
    z
      .string()
      .trim()
      .toLowerCase()
      .transform((v) => (v === 'auto' ? String(cores) : v))
      .pipe(intInRange(1, 256)),
    '1',
  );
  if (workers > 1 && redis === null) {
    throw new ConfigError(
      'WORKERS',
      `${workers} workers need Redis (set REDIS_URL or REDIS_HOST): workers share rooms, presence and history ` +
        'through it, as nodes do. Without Redis, run WORKERS=1 (see docs/OPERATIONS.md, "Scaling")',
    );
  }
  return workers;
}

/** glibc's own variables, not GhostChat's: any one of them set means the operator chose the allocator's settings. */
function allocatorEnvFrom(env: Env): Readonly<Record<string, string>> {
  const chosen = Object.keys(env).some((name) => name.startsWith('MALLOC_') || name === 'GLIBC_TUNABLES');
  return chosen ? {} : ALLOCATOR_ENV;
}

/**
 * Reads only the object it is given, so tests pass their own; the process environment is the
 * default, which makes this module the one place that touches process.env. `cores` is what
 * WORKERS=auto resolves to.
 */
export function loadConfig(env: Env = process.env, cores: number = availableParallelism()): Config {
  const nodeEnv = parse(env, 'NODE_ENV', z.enum(['development', 'production', 'test']), 'development');
  const maxTtlSeconds = parse(env, 'MAX_TTL', intInRange(1, 30 * 86_400), '86400');
  const defaultTtlSeconds = parse(env, 'DEFAULT_TTL', intInRange(0, 30 * 86_400), '86400');
  if (defaultTtlSeconds > maxTtlSeconds) {
    throw new ConfigError('DEFAULT_TTL', `must not exceed MAX_TTL (${maxTtlSeconds})`);
  }
  const maxMessageLength = parse(env, 'MAX_MESSAGE_LENGTH', intInRange(1, 100_000), '10000');
  const media = mediaFrom(env);
  const port = parse(env, 'PORT', intInRange(0, 65535), '3001');
  const host = parse(env, 'HOST', z.string().min(1), '0.0.0.0');
  const maxSocketPayloadBytes = parse(
    env,
    'MAX_SOCKET_PAYLOAD_BYTES',
    intInRange(1024, 64 * 1024 * 1024),
    String(Math.max(1_000_000, dataUrlLength(media.maxUploadBytes) + maxMessageLength * 4 + 4096)),
  );
  const redis = redisFrom(env);
  if (media.store === 'redis' && redis === null) {
    throw new ConfigError(
      'MEDIA_STORE',
      'redis keeps images in Redis and needs one: set REDIS_URL (or REDIS_HOST), or MEDIA_STORE=local ' +
        '(see docs/IMAGES.md, "Where images are stored")',
    );
  }
  return {
    port,
    host,
    nodeEnv,
    allowedOrigins: parse(env, 'FRONTEND_URL', origins, 'http://localhost:3000'),
    pageOrigins: optional(env, 'PUBLIC_URL', origins) ?? null,
    logLevel: parse(
      env,
      'LOG_LEVEL',
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      nodeEnv === 'test' ? 'silent' : 'info',
    ),
    redis,
    limits: {
      maxTtlSeconds,
      defaultTtlSeconds,
      burnAfterReadSeconds: parse(env, 'BURN_AFTER_READ_SECONDS', intInRange(1, 86_400), '30'),
      maxMessageLength,
      maxAgentIdLength: 64,
      // A text message is at most 4 bytes per character on the wire, plus the envelope; an image
      // packet is one image as a data: URL (binary attachments travel in frames of their own) plus
      // a caption. Anything bigger is refused by socket.io before it is parsed.
      maxSocketPayloadBytes,
      incompletePacketTimeoutMs: parse(env, 'INCOMPLETE_PACKET_TIMEOUT_MS', intInRange(100, 300_000), '30000'),
    },
    rooms: roomsFrom(env, media),
    expiryPollMs: parse(env, 'EXPIRY_POLL_MS', intInRange(10, 5000), '100'),
    media,
    heartbeatMs: parse(env, 'NODE_HEARTBEAT_MS', intInRange(100, 60_000), '5000'),
    recoveryWindowSeconds: parse(env, 'RECOVERY_WINDOW_SECONDS', intInRange(0, 3600), '120'),
    workers: workersFrom(env, cores, redis),
    workerEnv: allocatorEnvFrom(env),
    shutdownTimeoutMs: parse(env, 'SHUTDOWN_TIMEOUT_MS', intInRange(0, 120_000), '10000'),
    metrics: metricsFrom(env, port, host),
    clientLimits: clientLimitsFrom(env, maxSocketPayloadBytes, media.maxUploadBytes),
  };
}
