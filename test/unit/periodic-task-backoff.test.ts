import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeriodicTask } from '../../src/lib/periodic-task.js';

describe('PeriodicTask while its task keeps failing', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('doubles its wait up to the bound, goes back to its interval on success, and wakes on demand', async () => {
    vi.useFakeTimers();
    let failing = true;
    const runs: number[] = [];
    const reported: string[] = [];
    const task = new PeriodicTask(
      async () => {
        runs.push(Date.now());
        if (failing) throw new Error('store down');
      },
      100,
      {
        failed: (_err, streak) => reported.push(`failed ${streak}`),
        recovered: (streak) => reported.push(`recovered after ${streak}`),
      },
      { maxBackoffMs: 1_000 },
    );
    const started = Date.now();
    task.start();
    await vi.advanceTimersByTimeAsync(4_000);
    const gaps = runs.map((at, i) => at - (i === 0 ? started : runs[i - 1]!));
    expect(gaps).toEqual([100, 200, 400, 800, 1_000, 1_000]);

    // The store is back: a wake runs now instead of at the end of the back-off.
    failing = false;
    const before = runs.length;
    task.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.length).toBe(before + 1);
    expect(reported.at(-1)).toBe(`recovered after ${before}`);
    // And the interval is the plain one again.
    await vi.advanceTimersByTimeAsync(300);
    expect(runs.length).toBe(before + 4);
    await task.stop();
    expect(reported.slice(0, 3)).toEqual(['failed 1', 'failed 2', 'failed 3']);
  });
});
