import path from 'node:path';
import type { Config, MetricsConfig } from './config.js';
import { packageVersion } from './lib/version.js';

export interface Listening {
  port: number;
  host: string;
  store: 'memory' | 'redis';
}

/**
 * The fields of the one line logged once GhostChat listens: enough to tell from the first screen
 * of a log which build runs, on what, and whom it lets in. Nothing secret (no Redis URL or token).
 */
export function startupLine(config: Config, listening: Listening) {
  return {
    event: 'listening',
    version: packageVersion,
    store: listening.store,
    port: listening.port,
    host: listening.host,
    allowedOrigins: config.allowedOrigins,
    mediaStore: config.media.store,
    uploadDir: path.resolve(config.media.uploadDir),
    metrics: metricsState(config.metrics),
  };
}

function metricsState(metrics: MetricsConfig): string {
  if (metrics.port !== null) return `own port ${metrics.port}`;
  return metrics.token !== null ? 'token on public port' : 'off';
}
