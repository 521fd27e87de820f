import type { Logger } from 'pino';
import { PeriodicTask, type TaskReporter } from '../lib/periodic-task.js';
import type { ImageService } from './image-service.js';

export interface ImageJanitorOptions {
  /** How often the image expiry schedule is polled. */
  pollMs: number;
  batchSize: number;
  /** The longest wait between expiry passes while the store fails. */
  maxBackoffMs: number;
  /** How often files without a live key are swept (also once at start). */
  sweepMs: number;
  /** Files younger than this are never swept: their record may be on its way. */
  sweepMinAgeMs: number;
  /** Removes uploads that crashed processes left half-received; returns how many. */
  sweepStaging: () => Promise<number>;
}

/**
 * Image expiry from the store's schedule (restart-proof, shared by every node; no timer is the
 * source of truth) and the orphan sweep that removes what a crash left on disk.
 */
export class ImageJanitor {
  private readonly expiry: PeriodicTask;
  private readonly sweep: PeriodicTask;

  constructor(
    images: ImageService,
    log: Logger,
    options: ImageJanitorOptions,
    reporters: { expiry: TaskReporter; sweep: TaskReporter },
  ) {
    this.expiry = new PeriodicTask(() => images.expireDue(options.batchSize), options.pollMs, reporters.expiry, {
      maxBackoffMs: options.maxBackoffMs,
    });
    this.sweep = new PeriodicTask(
      async () => {
        const removed = await images.sweepOrphans(options.sweepMinAgeMs);
        if (removed > 0) log.info({ event: 'image-orphans-removed', count: removed }, 'removed orphaned image files');
        const staged = await options.sweepStaging();
        if (staged > 0) log.info({ event: 'staged-uploads-removed', count: staged }, 'removed stale staged uploads');
      },
      options.sweepMs,
      reporters.sweep,
    );
  }

  start(): void {
    this.expiry.start();
    this.sweep.start({ immediately: true });
  }

  /** Polls the expiry schedule now (the store is back); the sweep keeps its own pace. */
  wake(): void {
    this.expiry.wake();
  }

  async stop(): Promise<void> {
    await Promise.all([this.expiry.stop(), this.sweep.stop()]);
  }
}
