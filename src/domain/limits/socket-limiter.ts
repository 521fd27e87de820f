import type { ClientLimits } from '../../config.js';
import { gcraCharge, gcraDebtMs, gcraTake, rateOf, type Rate } from '../../lib/gcra.js';

const SECOND = 1_000;
const MINUTE = 60_000;

/** Where each bucket's state sits in SocketLimiter's array. */
const enum Bucket {
  events,
  joins,
  images,
  bytes,
  refusals,
}

/** What a socket asks to do, as far as its limits care. */
export type SocketAction = 'event' | 'join' | 'image';

/** The rates of a socket's buckets: computed once, shared by every socket's limiter. */
export interface SocketRates {
  events: Rate | null;
  joins: Rate | null;
  images: Rate | null;
  bytes: Rate | null;
  refusals: Rate | null;
}

export function socketRates(limits: ClientLimits['socket'], floodWindowMs: number): SocketRates {
  return {
    events: rateOf(limits.eventsPerSecond, SECOND, limits.eventsBurst),
    joins: rateOf(limits.joinsPerMinute, MINUTE),
    images: rateOf(limits.imagesPerMinute, MINUTE),
    bytes: rateOf(limits.bytesPerMinute, MINUTE),
    refusals: rateOf(limits.floodRefusals, floodWindowMs),
  };
}

/**
 * The limits of one socket, in the memory of the node it lives on: O(1) per check, no store call
 * on the message path. Every event takes a token of the events bucket; joins and images also one
 * of their own; bytes are charged as they arrive (before the event they carry is seen), so a
 * socket that sent too much has its events refused until it is back under its rate.
 */
export class SocketLimiter {
  /**
   * Each bucket's `tat` (lib/gcra.ts), indexed by Bucket: one array of unboxed doubles rather than
   * five bucket objects and their boxed numbers, since every connection holds one of these.
   */
  private readonly tats = [0, 0, 0, 0, 0];

  constructor(
    private readonly rates: SocketRates,
    private readonly now: () => number,
  ) {}

  /** Bytes arrived on the socket (a text frame's length, a binary frame's size). */
  received(bytes: number): void {
    const rate = this.rates.bytes;
    if (rate) this.tats[Bucket.bytes] = gcraCharge(this.tats[Bucket.bytes]!, this.now(), rate, bytes);
  }

  /** 0 when the action may go ahead, else ms until it could. */
  admit(action: SocketAction): number {
    const now = this.now();
    const owed = this.debtMs(now);
    if (owed > 0) return owed;
    const wait = this.take(Bucket.events, this.rates.events, now);
    if (wait > 0 || action === 'event') return wait;
    return action === 'join'
      ? this.take(Bucket.joins, this.rates.joins, now)
      : this.take(Bucket.images, this.rates.images, now);
  }

  /** Counts a refusal; true when the socket has been refused so often lately that it is flooding. */
  refusedIsFlood(): boolean {
    return this.take(Bucket.refusals, this.rates.refusals, this.now()) > 0;
  }

  /** Ms until the socket's bytes are back under its rate (0 when they are). */
  bytesWaitMs(): number {
    return this.debtMs(this.now());
  }

  /** True once the socket sent over twice its bytes per minute within one: it is flooding. */
  bytesFlood(): boolean {
    const rate = this.rates.bytes;
    return rate !== null && this.debtMs(this.now()) > rate.intervalMs * rate.burst;
  }

  /** 0 when a token was taken, else ms until one could be; a null rate never refuses. */
  private take(bucket: Bucket, rate: Rate | null, now: number): number {
    if (!rate) return 0;
    const taken = gcraTake(this.tats[bucket]!, now, rate);
    this.tats[bucket] = taken.tat;
    return taken.retryAfterMs;
  }

  /** How many ms the bytes bucket is in debt. */
  private debtMs(now: number): number {
    const rate = this.rates.bytes;
    return rate ? gcraDebtMs(this.tats[Bucket.bytes]!, now, rate) : 0;
  }
}
