import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { MessageStore } from '../store/message-store.js';
import type { RoomEvents } from './room-events.js';

export interface ExpiryOptions {
  pollMs: number;
  batchSize: number;
}

/**
 * Polls the store's schedule and announces each expired message once. The schedule lives in the
 * store, not in timers, so expiry survives restarts and is shared by every node.
 */
export class ExpiryService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly messages: MessageStore,
    private readonly events: RoomEvents,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: ExpiryOptions,
    /** Told how late each expiry ran, for metrics. */
    private readonly observeLag: (lagMs: number) => void = () => {},
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass: claims and announces everything due now. Exposed for tests that control the clock. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock();
      const due = await this.messages.claimDue(now, this.options.batchSize);
      for (const ref of due) {
        this.events.messageExpired(ref.roomToken, ref.id);
        this.observeLag(now - ref.dueAt);
      }
      total += due.length;
      if (due.length < this.options.batchSize || this.stopped) return total;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: Error) => {
          this.log.warn({ event: 'expiry-failed', err: err.message }, 'expiry pass failed; will retry');
        })
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.options.pollMs);
    this.timer.unref();
  }
}
