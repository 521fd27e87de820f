/** Told about a task's failures and its recovery, e.g. to log an outage once (failure-log.ts). */
export interface TaskReporter {
  /** A run failed; `streak` counts the failures in a row, 1 for the first. */
  failed(err: Error, streak: number): void;
  /** A run succeeded after `streak` failures in a row. */
  recovered?(streak: number): void;
}

export interface PeriodicTaskOptions {
  /** The longest wait between runs while the task keeps failing (never below the interval). */
  maxBackoffMs?: number;
}

/**
 * Runs `task` every `intervalMs`, never overlapping itself: the next run is scheduled when one
 * finishes. A run that fails doubles the wait before the next (up to `maxBackoffMs`), so a task
 * whose store is down does not hammer it; the first success goes back to the interval. Failures go
 * to the reporter and the schedule goes on. Timers are unref'd.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private streak = 0;
  private readonly reporter: TaskReporter;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly intervalMs: number,
    reporter: TaskReporter | ((err: Error) => void),
    options: PeriodicTaskOptions = {},
  ) {
    this.reporter = typeof reporter === 'function' ? { failed: reporter } : reporter;
    this.maxBackoffMs = Math.max(intervalMs, options.maxBackoffMs ?? intervalMs);
  }

  /** Starts the schedule; with `immediately`, the first run starts now rather than after one interval. */
  start({ immediately = false } = {}): void {
    this.stopped = false;
    if (immediately) this.runNow();
    else this.schedule();
  }

  /** Runs now rather than at the next scheduled time (e.g. the store is back): ends a back-off early. */
  wake(): void {
    if (this.stopped || this.running || !this.timer) return;
    clearTimeout(this.timer);
    this.runNow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private runNow(): void {
    this.timer = null;
    this.running = this.task()
      .then(
        () => {
          if (this.streak > 0) this.reporter.recovered?.(this.streak);
          this.streak = 0;
        },
        (err: Error) => {
          this.streak++;
          this.reporter.failed(err, this.streak);
        },
      )
      .finally(() => {
        this.running = null;
        this.schedule();
      });
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = Math.min(this.intervalMs * 2 ** this.streak, this.maxBackoffMs);
    this.timer = setTimeout(() => this.runNow(), delay);
    this.timer.unref();
  }
}
