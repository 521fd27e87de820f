import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Connections that have not sent a request yet (browsers open spare ones ahead of need). Node's
 * `closeIdleConnections` leaves them alone, and `close` then waits for them until the headers
 * timeout, about a minute; on shutdown they carry nothing and are closed at once.
 */
export function trackUnusedConnections(server: Server): { closeAll(): void } {
  const unused = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  server.on('request', (request: { socket: Socket }) => unused.delete(request.socket));
  server.on('upgrade', (request: { socket: Socket }) => unused.delete(request.socket));
  return {
    closeAll() {
      for (const socket of unused) socket.destroy();
      unused.clear();
    },
  };
}
