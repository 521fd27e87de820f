import type { Socket as TcpSocket } from 'node:net';
import type { Server } from 'socket.io';

/** The parts of an engine.io socket this reaches into (engine.io 6 keeps them private). */
interface EngineSocket {
  flush(): void;
  writeBuffer: unknown[];
  transport: { name: string; socket?: { _socket?: TcpSocket } };
}

/**
 * Sends what one turn of the event loop emits to a client in one write. engine.io writes each
 * packet as soon as it is emitted, one system call per WebSocket frame; a client told two things at
 * once (a message and the one it evicted, `room-joined` and the join's ack) cost two. Here a socket's
 * flush waits for the end of the turn (a microtask queue drained: every emit of the turn is in), and
 * its frames go out corked: one `writev`. Order and framing are unchanged; only the system calls
 * are fewer.
 */
export function coalesceWrites(io: Server): void {
  let waiting = new Set<EngineSocket>();
  const flushAll = () => {
    const due = waiting;
    waiting = new Set();
    for (const socket of due) {
      const tcp = socket.transport.name === 'websocket' ? socket.transport.socket?._socket : undefined;
      const cork = tcp !== undefined && socket.writeBuffer.length > 1 && !tcp.destroyed;
      if (cork) tcp.cork();
      try {
        // engine.io's own flush, which the socket's deferred one shadows.
        (Object.getPrototypeOf(socket) as EngineSocket).flush.call(socket);
      } catch {
        // Out here a throw would end the process: one socket's failed write must not, nor keep
        // the others from theirs. A transport that cannot write closes by itself.
      } finally {
        if (cork) tcp.uncork();
      }
    }
  };
  function deferredFlush(this: EngineSocket) {
    if (waiting.size === 0) process.nextTick(flushAll);
    waiting.add(this);
  }
  io.engine.on('connection', (socket: EngineSocket) => {
    socket.flush = deferredFlush;
  });
}
