import type { ClientLimits } from '../../config.js';
import { RateLimitedError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import type { LimitStore } from '../../store/limit-store.js';
import type { StorageGauge } from './storage-gauge.js';

/** Whose image it is, as far as limits go: the sender's hashed address in this period and the last. */
export interface ImageOwner {
  /** AddressHasher#recent: newest first; the bytes are counted under the first. */
  addresses: string[];
}

/** Bytes reserved for an image, to give back if the image is not kept after all. */
export interface ImageReservation {
  release(): Promise<void>;
}

/**
 * Image bytes stored per client address (every node, until each image's deadline) and by everyone
 * together (MAX_UPLOAD_BYTES_TOTAL, shared by the nodes): reserved before an image is written.
 */
export class ImageBudget {
  constructor(
    private readonly store: LimitStore,
    private readonly total: StorageGauge,
    private readonly clock: Clock,
    private readonly limits: Pick<ClientLimits['address'], 'imageBytes'>,
    private readonly bucketMs: number,
  ) {}

  /** Throws STORAGE_FULL or RATE_LIMITED unless `bytes` more may be stored until `until`. */
  async reserve(owner: ImageOwner | undefined, bytes: number, until: number): Promise<ImageReservation> {
    // Images are few and large: each reads every node's total first rather than the last sync's.
    await this.total.sync().catch(() => undefined);
    this.total.admit(bytes);
    const at = Math.ceil(until / this.bucketMs) * this.bucketMs;
    const [name, ...older] = owner?.addresses.map((a) => `address-image-bytes:${a}`) ?? [];
    if (name !== undefined && Number.isFinite(this.limits.imageBytes)) {
      const now = this.clock();
      // What the address stored in the last period still counts: its limit is what is left of it.
      let olderBytes = 0;
      for (const other of older) olderBytes += (await this.store.applyUsage(other, [], now)).total;
      const outcome = await this.store.applyUsage(
        name,
        [{ until: at, bytes }],
        now,
        this.limits.imageBytes - olderBytes,
      );
      if (!outcome.applied) throw new RateLimitedError(outcome.retryAfterMs > 0 ? outcome.retryAfterMs : 60_000);
    }
    this.total.add(bytes, until);
    return {
      release: async () => {
        this.total.add(-bytes, until);
        if (name !== undefined)
          await this.store.applyUsage(name, [{ until: at, bytes: -bytes }], this.clock()).catch(() => undefined);
      },
    };
  }
}
