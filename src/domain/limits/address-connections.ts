import type { ClientLimits } from '../../config.js';
import { RateLimitedError, AppError } from '../../errors.js';
import { rateOf, TokenBucket, type Rate } from '../../lib/gcra.js';

/** Entries of addresses with nothing open and a full bucket are dropped each time this many were made. */
const SWEEP_EVERY = 1_024;

interface AddressEntry {
  open: number;
  opening: TokenBucket;
}

/**
 * Connections per address on this node: how many it holds and how fast it opens them, and how many
 * the node holds in all. A socket costs the node it lives on, so the count is the node's own.
 * Addresses arrive hashed (AddressHasher).
 */
export class AddressConnections {
  private readonly addresses = new Map<string, AddressEntry>();
  private readonly rate: Rate | null;
  private total = 0;
  private made = 0;

  constructor(
    private readonly limits: Pick<ClientLimits, 'maxConnections'> & {
      address: Pick<ClientLimits['address'], 'maxConnections' | 'connectionsPerMinute'>;
    },
    private readonly now: () => number,
  ) {
    this.rate = rateOf(limits.address.connectionsPerMinute, 60_000);
  }

  /**
   * Counts one more connection of `address`, or throws TOO_MANY_CONNECTIONS or RATE_LIMITED. Counted
   * from here, before the connection exists, so a crowd of simultaneous handshakes cannot all pass.
   */
  admit(address: string): void {
    if (this.total >= this.limits.maxConnections) throw new AppError('TOO_MANY_CONNECTIONS');
    const entry = this.entry(address);
    if (entry.open >= this.limits.address.maxConnections) throw new AppError('TOO_MANY_CONNECTIONS');
    const wait = entry.opening.take(this.now());
    if (wait > 0) throw new RateLimitedError(wait);
    entry.open++;
    this.total++;
  }

  /** `address` opens no connection on this node for `ms` (one of its sockets was flooding). */
  bar(address: string, ms: number): void {
    this.entry(address).opening.blockUntil(this.now() + ms);
  }

  /** One connection `admit` counted is gone (closed, or its handshake never finished). */
  closed(address: string): void {
    const entry = this.addresses.get(address);
    if (!entry || entry.open === 0) return;
    entry.open--;
    this.total--;
  }

  private entry(address: string): AddressEntry {
    let entry = this.addresses.get(address);
    if (!entry) {
      this.sweepSometimes();
      entry = { open: 0, opening: new TokenBucket(this.rate) };
      this.addresses.set(address, entry);
    }
    return entry;
  }

  private sweepSometimes(): void {
    if (++this.made % SWEEP_EVERY !== 0) return;
    const now = this.now();
    for (const [address, entry] of this.addresses) {
      if (entry.open === 0 && entry.opening.full(now)) this.addresses.delete(address);
    }
  }
}
