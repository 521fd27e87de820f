import { z } from 'zod';

/** The typed, validated configuration. The only place that knows environment variable names. */
export interface Config {
  port: number;
  host: string;
  nodeEnv: 'development' | 'production' | 'test';
  allowedOrigins: string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  redis: RedisConfig | null;
  limits: {
    maxTtlSeconds: number;
    defaultTtlSeconds: number;
    burnAfterReadSeconds: number;
    maxMessageLength: number;
    maxAgentIdLength: number;
    maxSocketPayloadBytes: number;
  };
  expiryPollMs: number;
  shutdownTimeoutMs: number;
  metrics: MetricsConfig;
}

/** Where /metrics is served: its own port, or the public one behind a bearer token, or nowhere. */
export interface MetricsConfig {
  port: number | null;
  host: string;
  token: string | null;
}

export interface RedisConfig {
  url: string;
  keyPrefix: string;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid configuration: ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const intInRange = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const origins = z
  .string()
  .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
  .pipe(z.array(z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''))).min(1));

function parse<T>(env: Env, name: string, schema: z.ZodType<T>, fallback: string): T {
  const raw = env[name];
  const result = schema.safeParse(raw === undefined || raw === '' ? fallback : raw);
  if (!result.success) {
    throw new ConfigError(name, result.error.issues.map((i) => i.message).join('; '));
  }
  return result.data;
}

function optional<T>(env: Env, name: string, schema: z.ZodType<T>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  return parse(env, name, schema, '');
}

function redisFrom(env: Env): RedisConfig | null {
  const keyPrefix = parse(env, 'REDIS_PREFIX', z.string().regex(/^[\w:.-]{1,64}$/, 'letters, digits, _ : . - only'), 'ghostchat:');
  const url = optional(env, 'REDIS_URL', z.string().regex(/^rediss?:\/\/.+/, 'must start with redis:// or rediss://'));
  if (url) return { url, keyPrefix };
  const host = optional(env, 'REDIS_HOST', z.string().regex(/^[\w.:[\]-]+$/, 'must be a host name or address'));
  if (!host) return null;
  const port = parse(env, 'REDIS_PORT', intInRange(1, 65535), '6379');
  const username = env.REDIS_USERNAME ?? '';
  const password = env.REDIS_PASSWORD ?? '';
  const tls = parse(env, 'REDIS_TLS', boolean, 'false');
  const auth =
    username || password ? `${encodeURIComponent(username)}:${encodeURIComponent(password)}@` : '';
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

/** Pure: reads only the object it is given, so tests pass their own. */
export function loadConfig(env: Env): Config {
  const nodeEnv = parse(env, 'NODE_ENV', z.enum(['development', 'production', 'test']), 'development');
  const maxTtlSeconds = parse(env, 'MAX_TTL', intInRange(1, 30 * 86_400), '86400');
  const defaultTtlSeconds = parse(env, 'DEFAULT_TTL', intInRange(0, 30 * 86_400), '86400');
  if (defaultTtlSeconds > maxTtlSeconds) {
    throw new ConfigError('DEFAULT_TTL', `must not exceed MAX_TTL (${maxTtlSeconds})`);
  }
  const maxMessageLength = parse(env, 'MAX_MESSAGE_LENGTH', intInRange(1, 100_000), '10000');
  const port = parse(env, 'PORT', intInRange(0, 65535), '3001');
  const host = parse(env, 'HOST', z.string().min(1), '0.0.0.0');
  return {
    port,
    host,
    nodeEnv,
    allowedOrigins: parse(env, 'FRONTEND_URL', origins, 'http://localhost:3000'),
    logLevel: parse(
      env,
      'LOG_LEVEL',
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      nodeEnv === 'test' ? 'silent' : 'info',
    ),
    redis: redisFrom(env),
    limits: {
      maxTtlSeconds,
      defaultTtlSeconds,
      burnAfterReadSeconds: parse(env, 'BURN_AFTER_READ_SECONDS', intInRange(1, 86_400), '30'),
      maxMessageLength,
      maxAgentIdLength: 64,
      // A text message is at most 4 bytes per character on the wire, plus the envelope.
      maxSocketPayloadBytes: parse(
        env,
        'MAX_SOCKET_PAYLOAD_BYTES',
        intInRange(1024, 64 * 1024 * 1024),
        String(Math.max(1_000_000, maxMessageLength * 4 + 4096)),
      ),
    },
    expiryPollMs: parse(env, 'EXPIRY_POLL_MS', intInRange(10, 5000), '100'),
    shutdownTimeoutMs: parse(env, 'SHUTDOWN_TIMEOUT_MS', intInRange(0, 120_000), '10000'),
    metrics: metricsFrom(env, port, host),
  };
}
