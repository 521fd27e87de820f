import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { OPEN_FILES_BASE_RESERVE } from './defaults.js';

/** This process's limit on open files (Node raises the soft limit to the hard one), null where unknown. */
export function openFilesLimit(): number | null {
  try {
    const line = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!line) return null;
    return line[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(line[1]);
  } catch {
    return null; // not Linux
  }
}

/**
 * Descriptors a process needs besides its socket.io connections: Redis, logs, IPC and the event
 * loop's own, HTTP requests, image downloads (a file or a Redis stream each), uploads staged on disk.
 */
export function filesBesidesConnections(config: Config): number {
  const { maxImageDownloads, maxConcurrentImages, maxQueuedImages } = config.media;
  return OPEN_FILES_BASE_RESERVE + maxImageDownloads + 2 * (maxConcurrentImages + maxQueuedImages);
}

/**
 * MAX_CONNECTIONS lowered, with a warning, to what the open-files limit leaves for connections. A
 * process out of descriptors refuses nothing: it cannot accept, nor take a connection its cluster
 * primary hands it, so clients hang; and it cannot open Redis or an image either. Within the
 * limit, the connections past it are refused with TOO_MANY_CONNECTIONS, as MAX_CONNECTIONS says.
 */
export function fitConnectionsToOpenFiles(config: Config, openFiles: number | null, log: Logger): Config {
  const requested = config.clientLimits.maxConnections;
  if (openFiles === null) return config;
  const fits = Math.max(1, openFiles - filesBesidesConnections(config));
  if (requested <= fits) return config;
  log.warn(
    { event: 'max-connections-lowered', requested, maxConnections: fits, openFiles },
    'MAX_CONNECTIONS lowered to fit the open-files limit; raise the limit (ulimit -n, LimitNOFILE, --ulimit nofile) to hold more',
  );
  return { ...config, clientLimits: { ...config.clientLimits, maxConnections: fits } };
}
