import type { Clock } from '../lib/clock.js';
import { PeriodicTask, type TaskReporter } from '../lib/periodic-task.js';
import type { MessageStore } from '../store/message-store.js';
import type { DomainEvents } from './domain-events.js';

export interface ExpiryOptions {
  pollMs: number;
  batchSize: number;
  /** The longest wait between passes while the store fails. */
  maxBackoffMs: number;
}

/**
 * Polls the store's schedule and announces each expired message once (`messageExpired`). The
 * schedule lives in the store, not in timers, so expiry survives restarts and is shared by every node.
 */
export class ExpiryService {
  private readonly task: PeriodicTask;
  private stopped = false;

  constructor(
    private readonly messages: MessageStore,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly options: ExpiryOptions,
    reporter: TaskReporter,
  ) {
    this.task = new PeriodicTask(() => this.runOnce(), options.pollMs, reporter, {
      maxBackoffMs: options.maxBackoffMs,
    });
  }

  start(): void {
    this.stopped = false;
    this.task.start();
  }

  /** Polls now instead of at the next tick (the store is back after an outage). */
  wake(): void {
    this.task.wake();
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.task.stop();
  }

  /** One pass: claims and announces everything due now. Exposed for tests that control the clock. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock();
      const due = await this.messages.claimDue(now, this.options.batchSize);
      for (const ref of due) {
        // Not awaited: the room is told at once; what subscribers do besides (an image) runs behind.
        void this.events.emit('messageExpired', {
          roomToken: ref.roomToken,
          messageId: ref.id,
          cause: 'deadline',
          lagMs: now - ref.dueAt,
        });
      }
      total += due.length;
      // A backlog is claimed batch after batch, but shutdown need not wait for all of it.
      if (due.length < this.options.batchSize || this.stopped) return total;
    }
  }
}
