import { isIP } from 'node:net';
import { z } from 'zod';
import { commaList, ConfigError, intInRange, parse, type Env } from './config-parse.js';

/**
 * Bounds on what one client may do (docs/CONFIGURATION.md#limits). Rates and counts of 0 in the
 * environment mean no limit and arrive here as Infinity.
 */
export interface ClientLimits {
  /** Per socket, in this process: a socket lives on one node. */
  socket: {
    eventsPerSecond: number;
    eventsBurst: number;
    joinsPerMinute: number;
    maxRooms: number;
    imagesPerMinute: number;
    bytesPerMinute: number;
    /** Events refused as RATE_LIMITED within 10 s after which the socket is disconnected. */
    floodRefusals: number;
  };
  /** Per client address (a keyed hash of it). Connections per node; HTTP and stored bytes shared by all nodes. */
  address: {
    maxConnections: number;
    connectionsPerMinute: number;
    lookupsPerMinute: number;
    uploadsPerMinute: number;
    imageBytes: number;
    /** Image downloads (GET) one address has in flight on this process. */
    imageDownloads: number;
  };
  /** Connections this node holds at once. */
  maxConnections: number;
  maxRoomParticipants: number;
  /** All live messages together, across nodes. */
  maxStoredMessageBytes: number;
  /** Proxies whose X-Forwarded-For is believed: addresses and CIDR ranges. */
  trustedProxies: string[];
}

/** A whole number where 0 means "no limit" (Infinity). */
const limit = (max: number) => intInRange(0, max).transform((n) => (n === 0 ? Infinity : n));

const trustedProxies = commaList.pipe(
  z.array(
    z.string().refine((entry) => {
      const [address = '', prefix, extra] = entry.split('/');
      const family = isIP(address);
      if (family === 0 || extra !== undefined) return false;
      return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
    }, 'must be IP addresses or CIDR ranges (10.0.0.0/8, fd00::/8), comma-separated'),
  ),
);

/** The client limits (docs/CONFIGURATION.md#limits), given the packet and upload sizes they must admit. */
export function clientLimitsFrom(env: Env, maxSocketPayloadBytes: number, maxUploadBytes: number): ClientLimits {
  const bytesPerMinute = parse(
    env,
    'SOCKET_BYTES_PER_MINUTE',
    limit(2 ** 40),
    String(Math.max(64 * 1024 * 1024, maxSocketPayloadBytes)),
  );
  if (bytesPerMinute < maxSocketPayloadBytes) {
    throw new ConfigError(
      'SOCKET_BYTES_PER_MINUTE',
      `must be 0 or at least MAX_SOCKET_PAYLOAD_BYTES (${maxSocketPayloadBytes})`,
    );
  }
  const imageBytes = parse(env, 'MAX_IMAGE_BYTES_PER_ADDRESS', limit(2 ** 50), String(100 * 1024 * 1024));
  if (imageBytes < maxUploadBytes) {
    throw new ConfigError('MAX_IMAGE_BYTES_PER_ADDRESS', `must be 0 or at least MAX_UPLOAD_BYTES (${maxUploadBytes})`);
  }
  const eventsPerSecond = parse(env, 'SOCKET_EVENTS_PER_SECOND', limit(1_000_000), '5');
  return {
    socket: {
      eventsPerSecond,
      eventsBurst: parse(env, 'SOCKET_EVENTS_BURST', intInRange(1, 1_000_000), '20'),
      joinsPerMinute: parse(env, 'SOCKET_JOINS_PER_MINUTE', limit(1_000_000), '20'),
      maxRooms: parse(env, 'SOCKET_MAX_ROOMS', limit(100_000), '20'),
      imagesPerMinute: parse(env, 'SOCKET_IMAGES_PER_MINUTE', limit(1_000_000), '10'),
      bytesPerMinute,
      floodRefusals: parse(env, 'SOCKET_FLOOD_REFUSALS', limit(1_000_000), '50'),
    },
    address: {
      maxConnections: parse(env, 'MAX_CONNECTIONS_PER_ADDRESS', limit(1_000_000), '50'),
      connectionsPerMinute: parse(env, 'CONNECTIONS_PER_ADDRESS_PER_MINUTE', limit(1_000_000), '60'),
      lookupsPerMinute: parse(env, 'HTTP_LOOKUPS_PER_MINUTE', limit(1_000_000), '60'),
      uploadsPerMinute: parse(env, 'HTTP_UPLOADS_PER_MINUTE', limit(1_000_000), '10'),
      imageBytes,
      imageDownloads: parse(env, 'MAX_IMAGE_DOWNLOADS_PER_ADDRESS', limit(100_000), '32'),
    },
    maxConnections: parse(env, 'MAX_CONNECTIONS', limit(10_000_000), '10000'),
    maxRoomParticipants: parse(env, 'MAX_ROOM_PARTICIPANTS', limit(1_000_000), '50'),
    maxStoredMessageBytes: parse(env, 'MAX_STORED_MESSAGE_BYTES', limit(2 ** 50), String(1024 ** 3)),
    trustedProxies: parse(env, 'TRUSTED_PROXIES', trustedProxies, ''),
  };
}
