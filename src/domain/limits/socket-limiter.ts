import type { ClientLimits } from '../../config.js';
import { rateOf, TokenBucket, type Rate } from '../../lib/gcra.js';

const SECOND = 1_000;
const MINUTE = 60_000;

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
  private readonly events: TokenBucket;
  private readonly joins: TokenBucket;
  private readonly images: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly refusals: TokenBucket;

  constructor(
    rates: SocketRates,
    private readonly now: () => number,
  ) {
    this.events = new TokenBucket(rates.events);
    this.joins = new TokenBucket(rates.joins);
    this.images = new TokenBucket(rates.images);
    this.bytes = new TokenBucket(rates.bytes);
    this.refusals = new TokenBucket(rates.refusals);
  }

  /** Bytes arrived on the socket (a text frame's length, a binary frame's size). */
  received(bytes: number): void {
    this.bytes.charge(this.now(), bytes);
  }

  /** 0 when the action may go ahead, else ms until it could. */
  admit(action: SocketAction): number {
    const now = this.now();
    const owed = this.bytes.debtMs(now);
    if (owed > 0) return owed;
    const wait = this.events.take(now);
    if (wait > 0 || action === 'event') return wait;
    return (action === 'join' ? this.joins : this.images).take(now);
  }

  /** Counts a refusal; true when the socket has been refused so often lately that it is flooding. */
  refusedIsFlood(): boolean {
    return this.refusals.take(this.now()) > 0;
  }

  /** Ms until the socket's bytes are back under its rate (0 when they are). */
  bytesWaitMs(): number {
    return this.bytes.debtMs(this.now());
  }

  /** True once the socket sent over twice its bytes per minute within one: it is flooding. */
  bytesFlood(): boolean {
    return this.bytes.debtMs(this.now()) > this.bytes.periodMs;
  }
}
