import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Connections that have not sent a request yet (browsers open spare ones ahead of need). Node's
 * `closeIdleConnections` leaves them alone, and `close` then waits for them until the headers
 * timeout, about a minute; on shutdown they carry nothing and are closed at once.
 */
export function trackUnusedConnections(server: Server): { closeAll(): void } {
  const unused = new Set<Socket>();
  // One listener for every socket, taken off once the socket is used: a WebSocket lives for hours,
  // and a closure per socket for that long is memory each idle connection pays.
  const forget = function (this: Socket) {
    unused.delete(this);
  };
  const used = (request: { socket: Socket }) => {
    if (unused.delete(request.socket)) request.socket.removeListener('close', forget);
  };
  server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.on('close', forget);
  });
  server.on('request', used);
  server.on('upgrade', used);
  return {
    closeAll() {
      for (const socket of unused) socket.destroy();
      unused.clear();
    },
  };
}
