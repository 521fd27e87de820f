import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { AppError, toAppError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ClientEventResult, ClientToServerEvents } from '../protocol/contract.js';
import { ServerEvents } from '../protocol/events.js';
import type { AckResponse } from '../protocol/schemas.js';
import type { Connection } from './connection.js';
import type { GhostChatServerSocket } from './typed-socket.js';

export type Ack = (response: AckResponse) => void;

export interface HandlerContext {
  socket: GhostChatServerSocket;
  connection: Connection;
  metrics: Metrics;
}

/** Handles one event's parsed payload; resolves with what its acknowledgement carries on success. */
export type EventHandler<I, R extends object = object> = (ctx: HandlerContext, input: I) => Promise<R>;

/**
 * Wraps a handler: the payload is parsed with its schema, the handler runs in the connection's
 * queue, and any failure becomes an `error` event plus a failed acknowledgement. Nothing a client
 * sends can throw out of here. The contract types the handler's result as the event's ack.
 */
export function bindEvent<E extends keyof ClientToServerEvents, S extends z.ZodType>(
  ctx: HandlerContext,
  event: E,
  schema: S,
  handler: EventHandler<z.infer<S>, ClientEventResult<E>>,
  log: Logger,
): void {
  // Bound untyped: what arrives is whatever a client sent, which the schema is there to check.
  const name: string = event;
  (ctx.socket as unknown as Socket).on(name, (...args: unknown[]) => {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as Ack) : undefined;
    const fail = (err: unknown) => {
      const appError = toAppError(err);
      if (appError.code === 'INTERNAL') log.error({ event, err }, 'handler failed');
      ctx.metrics.eventRefused(event, appError.code);
      const error = { code: appError.code, message: appError.message };
      ctx.socket.emit(ServerEvents.error, { ...error, event });
      ack?.({ ok: false, error });
    };
    try {
      const parsed = schema.safeParse(ack && args.length === 1 ? undefined : args[0]);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first?.path.length ? `${first.path.join('.')}: ` : '';
        throw new AppError('PAYLOAD_INVALID', `Invalid ${event} payload: ${where}${first?.message ?? 'invalid'}`);
      }
      ctx.connection.enqueue(async () => {
        try {
          const result = await handler(ctx, parsed.data);
          ack?.({ ok: true, ...result });
        } catch (err) {
          fail(err);
        }
      });
    } catch (err) {
      fail(err);
    }
  });
}
