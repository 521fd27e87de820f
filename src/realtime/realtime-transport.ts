import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server as SocketServer } from 'socket.io';
import type { Config } from '../config.js';
import type { Core } from '../core.js';
import {
  FLOOD_RECONNECT_BAR_MS,
  MAX_PACKET_ATTACHMENTS,
  MAX_PENDING_EVENTS_PER_CONNECTION,
  REFUSED_ORIGIN_LOG_WINDOW_MS,
  REFUSED_ORIGIN_MAX_LOGGED_LENGTH,
  REFUSED_ORIGINS_TRACKED,
  RESUME_REFRESHES_PER_WINDOW,
  POLLER_MAX_BACKOFF_MS,
  POLLER_FAILURE_REMINDER_MS,
} from '../defaults.js';
import { failureLog } from '../lib/failure-log.js';
import { PeriodicTask } from '../lib/periodic-task.js';
import { buildResumeSchema } from '../protocol/resume-schemas.js';
import { ResumableSessions } from './resumable-sessions.js';
import type { Part } from '../lib/part.js';
import { buildImageSchemas } from '../protocol/image-schemas.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../protocol/contract.js';
import { buildSchemas } from '../protocol/schemas.js';
import { boundedParser } from './bounded-parser.js';
import { coalesceWrites } from './coalesced-writes.js';
import { Gateway } from './gateway.js';
import { HandshakeGuard } from './handshake-guard.js';
import { oneSocketPerTransport } from './one-socket-per-transport.js';
import { originAllowed } from './origin-check.js';
import { attachRedisAdapter } from './redis-adapter.js';
import { RefusedOriginLog } from './refused-origin-log.js';
import type { GhostChatServer, GhostChatServerSocket } from './typed-socket.js';

/** socket.io on the HTTP server, with the gateway that serves its events and delivers domain events. */
export interface RealtimeTransport extends Part {
  io: GhostChatServer;
  gateway: Gateway;
}

/**
 * Builds the socket server on `httpServer` (not yet listening), shares its broadcasts over Redis
 * when there is one, and subscribes the gateway to the domain events. Draining finishes the events
 * taken, takes this node's participants out of their rooms and tells clients to reconnect;
 * stopping closes the Redis adapter.
 */
export function buildRealtimeTransport(
  config: Config,
  core: Core,
  httpServer: HttpServer,
  log: Logger,
): RealtimeTransport {
  const refusedOrigins = new RefusedOriginLog(log, {
    windowMs: REFUSED_ORIGIN_LOG_WINDOW_MS,
    maxOrigins: REFUSED_ORIGINS_TRACKED,
    maxLength: REFUSED_ORIGIN_MAX_LOGGED_LENGTH,
    now: core.clock,
  });
  // Once draining, new transports are refused before they exist: a client reconnecting at once
  // (the page does) would otherwise open a long-poll that holds its HTTP connection, and with it
  // the HTTP part's close, for up to a ping cycle.
  let draining = false;
  let handshakes: HandshakeGuard | null = null;
  const io: GhostChatServer = new SocketServer<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    cors: { origin: config.allowedOrigins, methods: ['GET', 'POST'], credentials: true },
    allowRequest: (request, callback) => {
      if (draining) return callback('SHUTTING_DOWN', false);
      const allowed = originAllowed(request, config.allowedOrigins, config.pageOrigins);
      if (!allowed) refusedOrigins.refused(String(request.headers.origin));
      if (!allowed || !handshakes) return callback(null, allowed);
      // Refused with the error code as the answer's message (engine.io: 403 on polling, 400 on WebSocket).
      handshakes.admit(request).then(
        (refusal) => callback(refusal, refusal === null),
        () => callback('INTERNAL', false),
      );
    },
    maxHttpBufferSize: config.limits.maxSocketPayloadBytes,
    parser: boundedParser({
      maxAttachments: MAX_PACKET_ATTACHMENTS,
      // A head as large as one frame, and one image as an attachment: the earlier web client sends
      // the picture both ways in one packet.
      maxPacketBytes: config.limits.maxSocketPayloadBytes + config.media.maxUploadBytes,
      incompleteTimeoutMs: config.limits.incompletePacketTimeoutMs,
    }),
    serveClient: false,
  });
  coalesceWrites(io, log);
  const { rooms, messages, metrics, stores, limits: clientLimits } = core;
  handshakes = new HandshakeGuard({ ...clientLimits, addresses: clientLimits.clientAddresses, metrics }, io);
  const addressesOf = (socket: GhostChatServerSocket) => handshakes?.hashesOf(socket.request) ?? [];
  const images = {
    service: core.images,
    schemas: buildImageSchemas({ ...config.limits, maxImageBytes: config.media.maxUploadBytes }),
    maxImageBytes: config.media.maxUploadBytes,
    ownerOf: (socket: GhostChatServerSocket) => ({ addresses: addressesOf(socket) }),
  };
  const limits = {
    socketLimiter: () => clientLimits.socketLimiter(),
    maxRooms: config.clientLimits.socket.maxRooms,
    flooded: (socket: GhostChatServerSocket) => {
      const [address] = addressesOf(socket);
      if (address !== undefined) clientLimits.connections.bar(address, FLOOD_RECONNECT_BAR_MS);
    },
  };
  const schemas = buildSchemas(config.limits);
  const { recovery } = core;
  const sessions = recovery
    ? new ResumableSessions({
        io,
        recovery,
        schema: buildResumeSchema({ maxRooms: config.clientLimits.socket.maxRooms }),
        metrics,
        log,
      })
    : undefined;
  const refresher = sessions
    ? new PeriodicTask(
        () => sessions.refreshAll(),
        (config.recoveryWindowSeconds * 1000) / RESUME_REFRESHES_PER_WINDOW,
        failureLog(log, {
          event: 'resume-refresh',
          what: 'resume records refresh',
          remindEveryMs: POLLER_FAILURE_REMINDER_MS,
        }),
        { maxBackoffMs: POLLER_MAX_BACKOFF_MS },
      )
    : null;
  const gateway = new Gateway({ io, rooms, messages, schemas, images, metrics, limits, sessions }, log, {
    nodeId: core.nodeId,
    maxPendingPerConnection: MAX_PENDING_EVENTS_PER_CONNECTION,
  });
  // After the gateway's own check: a draining node refuses with SHUTTING_DOWN first.
  oneSocketPerTransport(io, metrics);
  core.events.subscribe('gateway', gateway);
  metrics.collectFrom({
    connections: () => gateway.connectionCount,
    totals: () => stores.presence.totals(),
    storeState: () => stores.health.state(),
  });
  // Attached at once, as the store's own connection opens: its subscriptions are in place before
  // anything is broadcast (the adapter does not catch a subscription lost to a dying connection).
  const closeAdapter =
    core.redis && config.redis ? attachRedisAdapter(io, core.redis, config.redis.keyPrefix, log) : async () => {};

  return {
    name: 'realtime',
    io,
    gateway,
    // Built ready: the socket server serves once the HTTP server listens.
    async start() {
      refresher?.start();
    },
    async drain() {
      draining = true;
      await refresher?.stop();
      await gateway.drain();
      await gateway.releaseAll();
      await gateway.dismissAll();
      await closeSockets(io);
    },
    stop: () => closeAdapter(),
  };
}

/**
 * What socket.io's own `close()` does, but for the HTTP server: that one belongs to the HTTP part,
 * and `io.close()` would also close it and wait for its every keep-alive connection (a browser
 * holds them for up to the keep-alive timeout). Only this node's sockets are touched.
 */
async function closeSockets(io: GhostChatServer): Promise<void> {
  io.local.disconnectSockets(true);
  await io.of('/').adapter.close();
  io.engine.close();
}
