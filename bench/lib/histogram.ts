/**
 * A latency histogram cheap enough for the hot receive path: 0.1 ms buckets below 100 ms, 1 ms
 * buckets up to 60 s, one overflow bucket. Generators send it to the runner as sparse pairs.
 */
const FINE = 1000; // 0.1 ms x 1000 = 100 ms
const COARSE = 60_000 - 100; // 1 ms buckets from 100 ms to 60 s
export const BUCKETS = FINE + COARSE + 1;

export class Histogram {
  readonly counts = new Uint32Array(BUCKETS);
  total = 0;
  max = 0;

  record(ms: number): void {
    const v = ms < 0 ? 0 : ms;
    let i: number;
    if (v < 100) i = (v * 10) | 0;
    else if (v < 60_000) i = FINE + ((v - 100) | 0);
    else i = BUCKETS - 1;
    this.counts[i]!++;
    this.total++;
    if (v > this.max) this.max = v;
  }

  toSparse(): SparseHistogram {
    const pairs: number[] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) pairs.push(i, this.counts[i]!);
    return { pairs, total: this.total, max: this.max };
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.max = 0;
  }

  merge(s: SparseHistogram): void {
    for (let k = 0; k < s.pairs.length; k += 2) this.counts[s.pairs[k]!]! += s.pairs[k + 1]!;
    this.total += s.total;
    if (s.max > this.max) this.max = s.max;
  }

  /** Upper edge of the bucket holding the q-quantile (0..1); 0 when empty. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, upperEdge(i));
    }
    return this.max;
  }

  summary(): LatencySummary {
    return { count: this.total, p50: round(this.quantile(0.5)), p99: round(this.quantile(0.99)), max: round(this.max) };
  }
}

export interface SparseHistogram {
  pairs: number[];
  total: number;
  max: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

function upperEdge(i: number): number {
  if (i < FINE) return (i + 1) / 10;
  if (i < BUCKETS - 1) return 100 + (i - FINE) + 1;
  return Infinity;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
