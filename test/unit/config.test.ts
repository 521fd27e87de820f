import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('runs with no environment at all on the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3001,
      host: '0.0.0.0',
      nodeEnv: 'development',
      allowedOrigins: ['http://localhost:3000'],
      logLevel: 'info',
      redis: null,
      limits: { maxTtlSeconds: 86_400, defaultTtlSeconds: 86_400, burnAfterReadSeconds: 30, maxMessageLength: 10_000 },
    });
  });

  it('takes REDIS_URL, or builds one from the reference REDIS_HOST/PORT/USERNAME/PASSWORD', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6380/2' }).redis).toEqual({
      url: 'redis://127.0.0.1:6380/2',
      keyPrefix: 'ghostchat:',
    });
    expect(
      loadConfig({
        REDIS_HOST: 'cache.example',
        REDIS_PORT: '12345',
        REDIS_USERNAME: 'default',
        REDIS_PASSWORD: 'p@ss:word',
        REDIS_TLS: 'true',
      }).redis,
    ).toEqual({ url: 'rediss://default:p%40ss%3Aword@cache.example:12345', keyPrefix: 'ghostchat:' });
    expect(loadConfig({ REDIS_HOST: 'localhost' }).redis?.url).toBe('redis://localhost:6379');
  });

  it('splits FRONTEND_URL into several origins, written as browsers send them', () => {
    expect(
      loadConfig({
        FRONTEND_URL: 'https://a.example, https://b.example/, HTTPS://C.Example:443/app/, http://d.example:8080',
      }).allowedOrigins,
    ).toEqual(['https://a.example', 'https://b.example', 'https://c.example', 'http://d.example:8080']);
  });

  it('takes PUBLIC_URL as the page origins, or leaves them to the loopback default', () => {
    expect(loadConfig({}).pageOrigins).toBeNull();
    expect(loadConfig({ PUBLIC_URL: 'HTTPS://Chat.Example/, http://10.0.0.5:3001' }).pageOrigins).toEqual([
      'https://chat.example',
      'http://10.0.0.5:3001',
    ]);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['MAX_TTL', '0'],
    ['MAX_TTL', '-5'],
    ['DEFAULT_TTL', '1.5'],
    ['BURN_AFTER_READ_SECONDS', 'soon'],
    ['MAX_MESSAGE_LENGTH', '0'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['FRONTEND_URL', 'not a url'],
    ['PUBLIC_URL', 'chat.example'],
    ['PUBLIC_URL', 'ftp://chat.example'],
    ['REDIS_URL', 'http://cache:6379'],
    ['REDIS_PORT', 'x'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    const env: Record<string, string> = { [name]: value };
    if (name === 'REDIS_PORT') env.REDIS_HOST = 'localhost';
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('refuses a DEFAULT_TTL above MAX_TTL', () => {
    expect(() => loadConfig({ MAX_TTL: '60', DEFAULT_TTL: '3600' })).toThrow(/DEFAULT_TTL/);
  });

  it('runs one process unless WORKERS asks for more: a number, or auto for one per core', () => {
    expect(loadConfig({}).workers).toBe(1);
    const redis = { REDIS_URL: 'redis://127.0.0.1:6379' };
    expect(loadConfig({ ...redis, WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ ...redis, WORKERS: 'auto' }, 4).workers).toBe(4);
    expect(loadConfig({ ...redis, WORKERS: ' Auto ' }, 2).workers).toBe(2);
    // One core: auto is the single process, which needs no Redis.
    expect(loadConfig({ WORKERS: 'auto' }, 1).workers).toBe(1);
  });

  it("starts workers with the allocator's settings, unless the operator chose any of glibc's own", () => {
    expect(loadConfig({}).workerEnv).toEqual({ MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '1048576' });
    expect(loadConfig({ MALLOC_ARENA_MAX: '4' }).workerEnv).toEqual({});
    expect(loadConfig({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=131072' }).workerEnv).toEqual({});
  });

  it.each(['0', '-1', '1.5', 'many', '257'])('refuses WORKERS=%s, naming the variable', (value) => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', WORKERS: value })).toThrow(/WORKERS/);
  });

  it('refuses more than one worker without Redis, saying what to do', () => {
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKERS: 'auto' }, 8)).toThrow(
      /WORKERS: 8 workers need Redis \(set REDIS_URL or REDIS_HOST\)/,
    );
    expect(loadConfig({ WORKERS: '2', REDIS_HOST: 'cache.example' }).workers).toBe(2);
  });
});

describe('client limits', () => {
  it('has the documented defaults, and 0 for no limit', () => {
    const { clientLimits } = loadConfig({});
    expect(clientLimits).toMatchObject({
      socket: { eventsPerSecond: 5, eventsBurst: 20, joinsPerMinute: 20, maxRooms: 20, imagesPerMinute: 10 },
      address: {
        maxConnections: 50,
        connectionsPerMinute: 60,
        lookupsPerMinute: 60,
        uploadsPerMinute: 10,
        imageDownloads: 32,
      },
      maxConnections: 10_000,
      maxRoomParticipants: 50,
      trustedProxies: [],
    });
    expect(clientLimits.socket.bytesPerMinute).toBe(64 * 1024 * 1024);
    expect(loadConfig({ SOCKET_EVENTS_PER_SECOND: '0', MAX_ROOM_PARTICIPANTS: '0' }).clientLimits).toMatchObject({
      socket: { eventsPerSecond: Infinity },
      maxRoomParticipants: Infinity,
    });
  });

  it('takes TRUSTED_PROXIES as addresses and CIDR ranges', () => {
    expect(loadConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8, 192.0.2.1 ,fd00::/8 ' }).clientLimits.trustedProxies).toEqual([
      '10.0.0.0/8',
      '192.0.2.1',
      'fd00::/8',
    ]);
  });

  it.each([
    ['TRUSTED_PROXIES', 'proxy.example'],
    ['TRUSTED_PROXIES', '10.0.0.0/33'],
    ['TRUSTED_PROXIES', '10.0.0.0/8/8'],
    ['SOCKET_EVENTS_PER_SECOND', '-1'],
    ['SOCKET_EVENTS_BURST', '0'],
    ['SOCKET_BYTES_PER_MINUTE', '1000'],
    ['MAX_IMAGE_BYTES_PER_ADDRESS', '1000'],
    ['MAX_ROOM_PARTICIPANTS', 'many'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
