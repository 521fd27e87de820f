import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { AppError, errorExtras, toAppError } from '../errors.js';
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
 * A handler in two steps, for events whose store calls may overlap (see Connection#pipeline):
 * `start` checks and stores, issuing its store calls before its first `await`; `finish` announces
 * what was stored and returns what the acknowledgement carries. Finishes run in the order sent.
 */
export interface PipelinedHandler<I, S, R extends object = object> {
  start: (ctx: HandlerContext, input: I) => Promise<S>;
  finish: (ctx: HandlerContext, stored: S) => R;
}

/** Finds the context of the socket an event arrived on; undefined once its connection is gone. */
export type ContextOf = (socket: GhostChatServerSocket) => HandlerContext | undefined;

/**
 * A listener shared by every socket: socket.io calls it with the socket as `this`. Built once per
 * event, it costs a connection only its place among the socket's listeners (a closure per socket
 * and event cost ~1 KB per idle connection).
 */
export type SocketListener = (this: GhostChatServerSocket, ...args: unknown[]) => void;

/**
 * Wraps a handler: the payload is parsed with its schema, the handler runs in the connection's
 * queue, and any failure becomes an `error` event plus a failed acknowledgement. Nothing a client
 * sends can throw out of here. The contract types the handler's result as the event's ack.
 */
export function eventListener<E extends keyof ClientToServerEvents, S extends z.ZodType>(
  event: E,
  schema: S,
  handler: EventHandler<z.infer<S>, ClientEventResult<E>>,
  contextOf: ContextOf,
  log: Logger,
): SocketListener {
  return onParsed(event, schema, contextOf, log, (ctx, input, ack, fail) =>
    ctx.connection.enqueue(async () => {
      try {
        const result = await handler(ctx, input);
        ack?.({ ok: true, ...result });
      } catch (err) {
        fail(err);
      }
    }),
  );
}

/** Like `eventListener`, for a handler whose store calls overlap those of the events around it. */
export function pipelinedEventListener<E extends keyof ClientToServerEvents, S extends z.ZodType, T>(
  event: E,
  schema: S,
  handler: PipelinedHandler<z.infer<S>, T, ClientEventResult<E>>,
  contextOf: ContextOf,
  log: Logger,
): SocketListener {
  return onParsed(event, schema, contextOf, log, (ctx, input, ack, fail) =>
    ctx.connection.pipeline(
      () => handler.start(ctx, input),
      (outcome) => {
        if (!outcome.ok) return fail(outcome.error);
        try {
          const result = handler.finish(ctx, outcome.value);
          ack?.({ ok: true, ...result });
        } catch (err) {
          fail(err);
        }
      },
    ),
  );
}

/** Binds the listeners built once (by event name) to a new socket. */
export function listenTo(socket: GhostChatServerSocket, listeners: ReadonlyArray<readonly [string, SocketListener]>) {
  // Bound untyped: what arrives is whatever a client sent, which the schemas are there to check.
  const untyped = socket as unknown as Socket;
  for (const [event, listener] of listeners) untyped.on(event, listener);
}

/** A listener for `event` that parses its payload and hands it to `accept` with its ack and failure path. */
function onParsed<S extends z.ZodType>(
  event: keyof ClientToServerEvents,
  schema: S,
  contextOf: ContextOf,
  log: Logger,
  accept: (ctx: HandlerContext, input: z.infer<S>, ack: Ack | undefined, fail: (err: unknown) => void) => void,
): SocketListener {
  return function (this: GhostChatServerSocket, ...args: unknown[]) {
    const ctx = contextOf(this);
    if (!ctx) return;
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as Ack) : undefined;
    const fail = (err: unknown) => {
      const appError = toAppError(err);
      if (appError.code === 'INTERNAL') log.error({ event, err }, 'handler failed');
      ctx.metrics.eventRefused(event, appError.code);
      const error = { code: appError.code, message: appError.message, ...errorExtras(appError) };
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
      accept(ctx, parsed.data, ack, fail);
    } catch (err) {
      fail(err);
    }
  };
}
