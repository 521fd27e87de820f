import type { Logger } from 'pino';
import type { GhostChatServerSocket } from './typed-socket.js';
import type { SocketAction, SocketLimiter } from '../domain/limits/socket-limiter.js';
import { ErrorCodes, RateLimitedError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { ClientEvents, ServerEvents } from '../protocol/events.js';
import type { Ack } from './handler.js';

const known = new Set<string>(Object.values(ClientEvents));
const actionOf = (event: string): SocketAction =>
  event === ClientEvents.joinRoom ? 'join' : event === ClientEvents.sendImage ? 'image' : 'event';

/** What guardSocket needs besides the socket and its limiter; one for every socket. */
export interface SocketGuardDeps {
  metrics: Metrics;
  log: Logger;
  flooded(socket: GhostChatServerSocket): void;
}

/**
 * Holds one socket to its limits (SocketLimiter), before anything of an event is parsed or queued:
 * counts the bytes of every frame as it arrives, and refuses an event over a rate with RATE_LIMITED
 * and `retryAfterMs` (an `error` event and a failed acknowledgement), leaving the socket and its
 * rooms as they are. A socket that keeps sending far past its limits (SOCKET_FLOOD_REFUSALS
 * refusals within 10 s, or twice SOCKET_BYTES_PER_MINUTE within a minute) is disconnected, and
 * `flooded` is told (its address then waits before it may reconnect).
 */
export function guardSocket(socket: GhostChatServerSocket, limiter: SocketLimiter, deps: SocketGuardDeps): void {
  const { metrics, log } = deps;
  let gone = false;
  const disconnect = (kind: 'events' | 'bytes', retryAfterMs: number) => {
    if (gone) return;
    gone = true;
    deps.flooded(socket);
    metrics.limitRefused(`socket-flood-${kind}`);
    log.info({ event: 'socket-flood-disconnected', kind }, 'a socket kept flooding past its limits; disconnected');
    socket.emit(ServerEvents.error, {
      code: 'RATE_LIMITED',
      message: 'Disconnected: too much sent, too fast',
      retryAfterMs: Math.ceil(retryAfterMs),
    });
    socket.disconnect(true);
  };

  socket.conn.on('data', (data: string | Buffer) => {
    limiter.received(data.length);
    if (limiter.bytesFlood()) disconnect('bytes', limiter.bytesWaitMs());
  });

  socket.use((packet, next) => {
    const event = String(packet[0]);
    const wait = limiter.admit(actionOf(event));
    if (wait === 0) return next();
    const refusal = new RateLimitedError(wait);
    const error = { code: refusal.code, message: ErrorCodes.RATE_LIMITED.message, retryAfterMs: refusal.retryAfterMs };
    const name = known.has(event) ? event : 'other';
    metrics.eventRefused(name, 'RATE_LIMITED');
    metrics.limitRefused('socket-events');
    socket.emit(ServerEvents.error, { ...error, event: name });
    const last: unknown = packet[packet.length - 1];
    if (typeof last === 'function') (last as Ack)({ ok: false, error });
    if (limiter.refusedIsFlood()) disconnect('events', wait);
  });
}
