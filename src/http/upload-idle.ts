import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors.js';

export interface IdleWatch {
  /** Rejects with UPLOAD_STALLED once nothing has arrived on the socket for the idle time. */
  stalled: Promise<never>;
  /** Stops watching (the body is in, or the request is over). */
  stop(): void;
}

/**
 * Watches an upload's connection for silence (the socket's idle timer, which every byte the HTTP
 * parser takes restarts): an upload that sends its headers and a few bytes, then nothing, is given
 * up after `idleMs`, not after Node's request timeout of minutes. Listening on the request, not
 * the socket, keeps Node from destroying the socket before the 408 is answered.
 */
export function watchIdle(request: IncomingMessage, idleMs: number): IdleWatch {
  let stall: (err: AppError) => void = () => undefined;
  const stalled = new Promise<never>((_resolve, reject) => {
    stall = reject;
  });
  // Nobody may be listening by the time it fires (the body won the race): never an unhandled rejection.
  stalled.catch(() => undefined);
  const onTimeout = () => stall(new AppError('UPLOAD_STALLED'));
  request.setTimeout(idleMs);
  request.on('timeout', onTimeout);
  return {
    stalled,
    stop() {
      request.off('timeout', onTimeout);
      request.setTimeout(0);
    },
  };
}
