import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type { LimitStore } from '../../store/limit-store.js';

/**
 * Turns a client address into the only form GhostChat keeps or shares: an HMAC under a salt that
 * changes every period and is forgotten one period later (LimitStore#salt: on Redis every node
 * hashes alike, so their counts meet). Without the salt a hash cannot be tested against guessed
 * addresses; once it is gone, nobody can. While the store cannot be reached, a salt of this
 * process stands in (counts are then this node's own until it answers again).
 */
export class AddressHasher {
  private readonly salts = new Map<number, Promise<Buffer>>();
  private readonly fallback = randomBytes(32);

  constructor(
    private readonly store: LimitStore,
    private readonly clock: Clock,
    private readonly periodMs: number,
    private readonly retryMs: number,
  ) {}

  /** The address's name in this period. */
  async current(address: string): Promise<string> {
    return this.hash(address, this.period());
  }

  /** Its names in this period and the one before, newest first: what may still hold its counts. */
  async recent(address: string): Promise<string[]> {
    const period = this.period();
    return Promise.all([this.hash(address, period), this.hash(address, period - 1)]);
  }

  private period(): number {
    return Math.floor(this.clock() / this.periodMs);
  }

  private async hash(address: string, period: number): Promise<string> {
    const salt = await this.saltOf(period).catch(() => this.fallback);
    return createHmac('sha256', salt).update(address).digest('base64url').slice(0, 22);
  }

  private saltOf(period: number): Promise<Buffer> {
    let salt = this.salts.get(period);
    if (!salt) {
      salt = this.store.salt(period, (period + 2) * this.periodMs);
      this.salts.set(period, salt);
      for (const known of this.salts.keys()) if (known < period - 1) this.salts.delete(known);
      // The store did not answer: this process's salt stands in for a while (a store that hangs
      // would otherwise hold every handshake for a store call's timeout), then the store is asked again.
      void salt.catch(() => {
        this.salts.set(period, Promise.resolve(this.fallback));
        setTimeout(() => this.salts.delete(period), this.retryMs).unref();
      });
    }
    return salt;
  }
}
