/**
 * The engine.io v4 / socket.io v5 text framing, as little of it as a load generator needs:
 * `0{...}` open, `40` connect to the main namespace, `2` ping answered by `3`, events `42[...]`,
 * acknowledgements `43<id>[...]`. Frames are inspected as bytes; nothing is parsed on the hot path.
 */
import type { ClientEventPayload, ClientToServerEvents } from '../../src/protocol/contract.js';

export const SOCKET_PATH = '/socket.io/?EIO=4&transport=websocket';

const CH_0 = 0x30;
const CH_2 = 0x32;
const CH_3 = 0x33;
const CH_4 = 0x34;

export const enum Frame {
  Open,
  Ping,
  Connected,
  Event,
  Ack,
  Other,
}

export function frameKind(data: Buffer): Frame {
  const c0 = data[0];
  if (c0 === CH_2 && data.length === 1) return Frame.Ping;
  if (c0 === CH_0) return Frame.Open;
  if (c0 === CH_4) {
    const c1 = data[1];
    if (c1 === CH_2) return Frame.Event;
    if (c1 === CH_3) return Frame.Ack;
    if (c1 === CH_0) return Frame.Connected;
  }
  return Frame.Other;
}

/** `42["<name>"...`: true when the event's name starts with `initial` (one byte is enough to tell ours apart). */
export function eventStartsWith(data: Buffer, initial: number): boolean {
  return data[4] === initial;
}

export const INITIAL_NEW_MESSAGE = 0x6e; // n
// `message-burning` starts with an m too: the benchmark sends no burn-after-reading messages (ttl 0).
export const INITIAL_MESSAGE_EXPIRED = 0x6d; // m
export const INITIAL_ERROR = 0x65; // e

export const PONG = '3';
export const CONNECT = '40';

/** A client event frame, its name and payload typed by the protocol contract (src/protocol/contract.ts). */
export function eventFrame<E extends keyof ClientToServerEvents>(
  name: E,
  payload: ClientEventPayload<E>,
  ackId?: number,
): string {
  return `42${ackId ?? ''}${JSON.stringify([name, payload])}`;
}

/** Ack id of an `43<id>[...]` frame. */
export function ackId(data: Buffer): number {
  let id = 0;
  for (let i = 2; i < data.length; i++) {
    const c = data[i]!;
    if (c < CH_0 || c > 0x39) break;
    id = id * 10 + (c - CH_0);
  }
  return id;
}

const TIME_MARK = Buffer.from('~T');
const TILDE = 0x7e;

/** The send time stamped into a message as `~T<ms>~`, read straight from the frame's bytes; NaN if absent. */
export function stampedTime(data: Buffer): number {
  const at = data.indexOf(TIME_MARK);
  if (at < 0) return NaN;
  const end = data.indexOf(TILDE, at + 2);
  if (end < 0) return NaN;
  return Number(data.toString('latin1', at + 2, end));
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
