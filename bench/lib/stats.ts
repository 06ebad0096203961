// Small statistics for the benchmarks: medians across rounds and percentiles of sampled latencies.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The `p`-th percentile (0–100) of an ascending array, nearest-rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Counts events and keeps a uniform sample of their latencies (reservoir sampling), so that a long fast round
 * costs a fixed amount of memory and the percentiles still describe the whole round.
 */
export class LatencyRecorder {
  count = 0;
  private readonly samples: Float64Array;
  private kept = 0;

  constructor(capacity = 1 << 20) {
    this.samples = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.count++;
    if (this.kept < this.samples.length) {
      this.samples[this.kept++] = ms;
    } else {
      const j = Math.floor(Math.random() * this.count);
      if (j < this.samples.length) this.samples[j] = ms;
    }
  }

  /** p50 and p99 of the sampled latencies, in microseconds. */
  percentiles(): { p50: number; p99: number } {
    const sorted = this.samples.slice(0, this.kept).sort();
    return { p50: percentile(sorted, 50) * 1000, p99: percentile(sorted, 99) * 1000 };
  }
}
