import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
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
export function createLogger(config: Pick<Config, 'logLevel' | 'nodeEnv'>, destination?: DestinationStream): Logger {
  const pretty = !destination && config.nodeEnv === 'development' && config.logLevel !== 'silent' && prettyAvailable();
  const options: pino.LoggerOptions = {
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
        // @fastify/multipart logs busboy's options at trace, the request's headers among them.
        'busboyOptions.headers',
        // Fastify's own client-error line (replaced by ours) carries the request's raw bytes.
        'err.rawPacket',
      ],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
  // The destination is for tests that read what production would write (the privacy audit).
  return destination ? pino(options, destination) : pino(options);
}
