// Latency for socketkit bench: an HdrHistogram (hdr-histogram-js) of microseconds, so that every round trip is
// counted (no sampling) at a fixed memory cost, with three significant digits from 1 µs to 60 s.

import hdr from "hdr-histogram-js";

export interface LatencySummary {
  /** Microseconds. */
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export class Latency {
  private readonly histogram = hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  /** Records one latency given in milliseconds (performance.now() differences). */
  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  summary(): LatencySummary {
    const h = this.histogram;
    // A percentile is reported as its bucket's highest equivalent value, which can pass the exact maximum when few
    // samples share the top bucket: a reader must never see p99 above max.
    const at = (p: number) => Math.min(h.getValueAtPercentile(p), h.maxValue);
    return {
      min: h.minNonZeroValue,
      mean: Math.round(h.mean),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: h.maxValue,
    };
  }
}
