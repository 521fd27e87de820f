import { describe, expect, it } from 'vitest';
import { PeriodicTask } from '../../src/lib/periodic-task.js';

describe('PeriodicTask', () => {
  it('runs at once when asked, repeats, never overlaps, survives failures and stops cleanly', async () => {
    let runs = 0;
    let active = 0;
    let overlapped = false;
    const errors: string[] = [];
    const task = new PeriodicTask(
      async () => {
        active++;
        if (active > 1) overlapped = true;
        runs++;
        await new Promise((r) => setTimeout(r, 15));
        active--;
        if (runs === 2) throw new Error('second run fails');
      },
      5,
      (err) => errors.push(err.message),
    );
    task.start({ immediately: true });
    expect(runs).toBe(1);
    await expect.poll(() => runs, { timeout: 2000 }).toBeGreaterThanOrEqual(4);
    await task.stop();
    const after = runs;
    expect(active).toBe(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toBe(after);
    expect(overlapped).toBe(false);
    expect(errors).toEqual(['second run fails']);
  });
});
