/**
 * Runs `task` every `intervalMs`, never overlapping itself: the next run is scheduled when one
 * finishes. Failures go to `onError` and the schedule goes on. Timers are unref'd.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Starts the schedule; with `immediately`, the first run starts now rather than after one interval. */
  start({ immediately = false } = {}): void {
    this.stopped = false;
    if (immediately) this.runNow();
    else this.schedule();
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
      .then(() => undefined)
      .catch((err: Error) => this.onError(err))
      .finally(() => {
        this.running = null;
        this.schedule();
      });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.runNow(), this.intervalMs);
    this.timer.unref();
  }
}
