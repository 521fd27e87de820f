import type { Logger } from 'pino';

export interface ShutdownOptions {
  /** Longest graceful close (SHUTDOWN_TIMEOUT_MS) before exiting with 1 anyway. */
  timeoutMs: number;
  log: Logger;
  /** Ends the process; a cluster worker first lets its last messages to the primary go out. */
  exit?: (code: number) => void;
}

/**
 * On SIGTERM or SIGINT, closes once: exits 0 once closed, 1 when closing failed or took longer
 * than the bound. The same for a single process, a cluster's primary and each of its workers.
 */
export function closeOnSignals(close: () => Promise<void>, options: ShutdownOptions): void {
  const { log, timeoutMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'shutdown', signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ event: 'shutdown-timeout' }, 'shutdown took too long; exiting');
      exit(1);
    }, timeoutMs);
    deadline.unref();
    close().then(
      () => exit(0),
      (err: unknown) => {
        log.error({ event: 'shutdown-failed', err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
