import type { Metrics } from '../metrics/metrics.js';
import type { GhostChatServer } from './typed-socket.js';

/**
 * One socket per engine.io connection. socket.io opens a socket for each CONNECT of the main
 * namespace that arrives before it answered the first: each would be a client of its own (its
 * rooms, its event and join limits, its resume session and record) on a connection the handshake
 * limits counted once. Those past the first are refused with `TOO_MANY_CONNECTIONS` (socket.io-client
 * never sends them: it opens a connection per socket of a namespace).
 */
export function oneSocketPerTransport(io: GhostChatServer, metrics: Metrics): void {
  const held = new WeakSet<object>();
  io.use((socket, next) => {
    if (held.has(socket.conn)) {
      metrics.limitRefused('sockets-per-connection');
      return next(new Error('TOO_MANY_CONNECTIONS'));
    }
    held.add(socket.conn);
    next();
  });
}
