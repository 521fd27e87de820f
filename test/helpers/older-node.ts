import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterThisTest } from './cleanup.js';

/**
 * A node of a release before `resume` (as during a rolling upgrade): it lets anyone join, never
 * sends `session`, and serves no HTTP route (404). Closed when the test ends; returns its port.
 */
export async function olderNode(): Promise<number> {
  const http = createServer((_request, response) => {
    response.statusCode = 404;
    response.end();
  });
  const io = new Server(http, { transports: ['websocket'] });
  io.on('connection', (socket) => {
    socket.on(
      'join-room',
      ({ roomToken, agentId }: { roomToken: string; agentId: string }, ack: (result: unknown) => void) =>
        ack({ ok: true, roomToken, participants: [agentId] }),
    );
  });
  afterThisTest(async () => {
    const closed = new Promise<void>((resolve) => void io.close(() => resolve()));
    http.closeAllConnections();
    await closed;
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return (http.address() as AddressInfo).port;
}
