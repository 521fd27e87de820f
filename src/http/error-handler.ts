import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, ErrorCodes, errorExtras, type ErrorCode } from '../errors.js';

export interface ErrorBody {
  success: false;
  error: { code: string; message: string; retryAfterMs?: number };
}

export function errorBody(code: ErrorCode, message?: string, extras: { retryAfterMs?: number } = {}): ErrorBody {
  return { success: false, error: { code, message: message ?? ErrorCodes[code].message, ...extras } };
}

/** Maps every failure to a status and a stable code; no stack or internal message reaches a client. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      if (err.code === 'INTERNAL') request.log.error({ err }, 'request failed');
      const extras = errorExtras(err);
      if (extras.retryAfterMs !== undefined) void reply.header('Retry-After', Math.ceil(extras.retryAfterMs / 1000));
      return reply.status(err.status).send(errorBody(err.code, err.message, extras));
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.status(500).send(errorBody('INTERNAL'));
    }
    // Fastify's own 4xx (bad JSON, wrong content type, body too large): the client's mistake.
    return reply.status(status).send(errorBody('PAYLOAD_INVALID', err.message));
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send(errorBody('NOT_FOUND')));
}
