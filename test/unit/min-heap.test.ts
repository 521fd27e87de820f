import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../src/lib/min-heap.js';

describe('MinHeap', () => {
  it('pops in key order whatever the push order, duplicates included', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 50; round++) {
      const heap = new MinHeap<number>((n) => n);
      const values = Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 50));
      for (const v of values) heap.push(v);
      expect(heap.size).toBe(values.length);
      const popped: number[] = [];
      while (heap.size > 0) popped.push(heap.pop()!);
      expect(popped).toEqual([...values].sort((a, b) => a - b));
      expect(heap.pop()).toBeUndefined();
    }
  });

  it('interleaves pushes and pops correctly', () => {
    const heap = new MinHeap<{ at: number }>((d) => d.at);
    heap.push({ at: 5 });
    heap.push({ at: 1 });
    expect(heap.pop()).toEqual({ at: 1 });
    heap.push({ at: 3 });
    expect(heap.peek()).toEqual({ at: 3 });
    expect(heap.pop()).toEqual({ at: 3 });
    expect(heap.pop()).toEqual({ at: 5 });
  });
});
