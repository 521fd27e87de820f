import type { Socket as TcpSocket } from 'node:net';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';

/** The parts of an engine.io socket this reaches into (engine.io 6 keeps them private). */
interface EngineSocket {
  readyState: string;
  flush(): void;
  close(discard?: boolean): void;
  writeBuffer: unknown[];
  transport: { name: string; socket?: { _socket?: TcpSocket } };
}

/**
 * Sends what is emitted to a client in one go in one write. engine.io writes each packet as soon as
 * it is emitted, one system call per WebSocket frame; a client is often told several things at
 * once (a message and the one it evicted, a message and its ack, the messages one burst of Redis
 * replies completes). Here an open socket's flush is deferred to `process.nextTick`: whatever is
 * emitted to it until then (by the same callback or the promise reactions it set off) leaves
 * together, its TCP socket corked: one `writev`. Order and framing are unchanged. A socket that is
 * closing flushes at once, and one closed while a flush waits gets that flush first, so nothing
 * emitted before a close is dropped that engine.io would have sent.
 */
export function coalesceWrites(io: Server, log: Logger): void {
  let waiting = new Set<EngineSocket>();
  const flushNow = (socket: EngineSocket) => {
    let tcp: TcpSocket | undefined;
    try {
      const raw = socket.transport.name === 'websocket' ? socket.transport.socket?._socket : undefined;
      tcp = socket.writeBuffer.length > 1 && raw?.destroyed === false ? raw : undefined;
      tcp?.cork();
      // engine.io's own flush, which the socket's deferred one shadows.
      (Object.getPrototypeOf(socket) as EngineSocket).flush.call(socket);
    } catch (err) {
      // Out here a throw would end the process: one socket's failure must not, nor keep the others
      // from their writes. A transport that cannot write closes by itself.
      log.warn({ event: 'flush-failed', err: (err as Error).message }, 'a socket could not be flushed');
    } finally {
      tcp?.uncork();
    }
  };
  const flushAll = () => {
    const due = waiting;
    waiting = new Set();
    for (const socket of due) flushNow(socket);
  };
  function deferredFlush(this: EngineSocket) {
    if (this.readyState !== 'open') return flushNow(this);
    if (waiting.size === 0) process.nextTick(flushAll);
    waiting.add(this);
  }
  function flushedClose(this: EngineSocket, discard?: boolean) {
    if (waiting.delete(this)) flushNow(this);
    (Object.getPrototypeOf(this) as EngineSocket).close.call(this, discard);
  }
  io.engine.on('connection', (socket: EngineSocket) => {
    socket.flush = deferredFlush;
    socket.close = flushedClose;
  });
}
