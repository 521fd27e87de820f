import type { SparseHistogram } from './histogram.js';

/** One simulated participant: the room it joins and the name it joins under. */
export interface Seat {
  room: string;
  agent: string;
}

export type Command =
  | {
      type: 'connect';
      url: string;
      seats: Seat[];
      concurrency: number;
      timeoutMs: number;
      /** The loopback address to connect from (127.0.0.0/8): each has its own ephemeral ports. */
      localAddress?: string;
    }
  | { type: 'fanout'; messagesPerSec: number; durationMs: number; drainMs: number; padding: number }
  | {
      type: 'expiry';
      /** Messages each seat sends. */
      perSeat: number;
      /** Most messages a seat has in flight (sent, echo not yet seen): paces the sender to the server. */
      window: number;
      /** Deadlines are spread uniformly over [firstDeadline, firstDeadline + spreadMs] (epoch ms). */
      firstDeadline: number;
      spreadMs: number;
      /** Give up waiting for expiries this long after the last deadline. */
      graceMs: number;
      /** A probe of the store's write rate: every message gets this TTL and nothing waits for expiry. */
      probeTtl?: number;
    }
  | { type: 'close' };

export interface ConnectResult {
  type: 'connected';
  opened: number;
  failed: number;
  ms: number;
  errors: string[];
}

export interface FanoutResult {
  type: 'fanout';
  sent: number;
  received: number;
  errorsReceived: number;
  latency: SparseHistogram;
  /** The generator's own CPU time over the step, ms. */
  cpuMs: number;
  wallMs: number;
}

export interface ExpiryResult {
  type: 'expiry';
  sent: number;
  echoed: number;
  expired: number;
  doubled: number;
  missing: number;
  unknown: number;
  errorsReceived: number;
  sendMs: number;
  /** Latest deadline any message got (epoch ms). */
  lastDeadline: number;
  lag: SparseHistogram;
}

export type Reply =
  ConnectResult | FanoutResult | ExpiryResult | { type: 'closed' } | { type: 'error'; message: string };
