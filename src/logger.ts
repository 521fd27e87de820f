import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON logs in production, readable ones in development. Callers log codes, counts and hashed
 * room tags only; the redaction list is a second line of defence against a careless field.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'nodeEnv'>): Logger {
  const pretty = config.nodeEnv === 'development' && config.logLevel !== 'silent' && prettyAvailable();
  return pino({
    level: config.logLevel,
    base: undefined,
    redact: {
      paths: [
        'message',
        'caption',
        'agentId',
        'sender',
        'ip',
        'remoteAddress',
        '*.authorization',
        '*.cookie',
        '*.password',
      ],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
