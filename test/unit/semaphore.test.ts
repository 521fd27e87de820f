import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/lib/semaphore.js';

describe('Semaphore', () => {
  it('runs at most `max` at once, queues up to `maxWaiting`, refuses beyond', async () => {
    const gate = new Semaphore(2, 1, () => new Error('busy'));
    let active = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const task = () =>
      gate.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        active--;
      });
    const running = [task(), task(), task()];
    await expect(task()).rejects.toThrow('busy');
    while (releases.length < 2) await Promise.resolve();
    releases.shift()!();
    await running[0];
    while (releases.length < 2) await new Promise((r) => setTimeout(r, 1));
    releases.splice(0).forEach((release) => release());
    await Promise.all(running);
    expect(peak).toBe(2);
    expect(active).toBe(0);
  });

  it('frees the slot when a task fails', async () => {
    const gate = new Semaphore(1, 0, () => new Error('busy'));
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 'next')).toBe('next');
  });
});
