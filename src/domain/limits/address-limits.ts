import type { ClientLimits } from '../../config.js';
import { RateLimitedError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { rateOf, type Rate } from '../../lib/gcra.js';
import type { LimitStore } from '../../store/limit-store.js';

/** What a client address is counted for over HTTP, across every node. */
export type AddressAction = 'lookup' | 'upload';

/**
 * Per address rates shared by all nodes (LimitStore buckets): history and stats lookups, which is
 * what guessing room tokens costs, and uploads. A store that does not answer refuses nothing: the
 * request then meets the same outage on its own and is answered STORE_UNAVAILABLE.
 */
export class AddressLimits {
  private readonly rates: Record<AddressAction, Rate | null>;

  constructor(
    private readonly store: LimitStore,
    private readonly clock: Clock,
    limits: Pick<ClientLimits['address'], 'lookupsPerMinute' | 'uploadsPerMinute'>,
  ) {
    this.rates = {
      lookup: rateOf(limits.lookupsPerMinute, 60_000),
      upload: rateOf(limits.uploadsPerMinute, 60_000),
    };
  }

  /** Throws RATE_LIMITED (with how long to wait) when `address` is over its rate for `action`. */
  async take(action: AddressAction, address: string): Promise<void> {
    const rate = this.rates[action];
    if (!rate) return;
    const wait = await this.store.take(`${action}:${address}`, rate, this.clock()).catch(() => 0);
    if (wait > 0) throw new RateLimitedError(wait);
  }
}
