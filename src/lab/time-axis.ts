// The time axis of a lab picture, scaled to the events it shows: from the first thing that happened to the last,
// with round ticks (1, 2, 5 × a power of ten) in milliseconds or, past two seconds, in seconds — so a case that
// took 15 ms is drawn over 15 ms, and a 20 s run over 20 s.

import type { Marker } from "./markers.js";
import type { QueueSample } from "./queue-sampler.js";

/** The span a picture covers, ms on the case's clock, and its ticks. */
export interface TimeAxis {
  from: number;
  to: number;
  ticks: number[];
  /** How a tick reads: "15 ms", "12 s". */
  label: (t: number) => string;
}

/** The times worth covering: the first and last sample, and every mark. */
function eventTimes(samples: readonly QueueSample[], markers: readonly Marker[]): number[] {
  return [...samples.map((s) => s.t), ...markers.map((m) => m.t)];
}

/** A round step (1, 2 or 5 × 10^k) giving at most `most` ticks over `span`. */
export function niceStep(span: number, most = 8): number {
  const raw = Math.max(span, 1e-6) / most;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
}

/** The axis over `samples` and `markers`: their first to their last time, a sliver of room after the last. */
export function timeAxis(samples: readonly QueueSample[], markers: readonly Marker[] = []): TimeAxis {
  const times = eventTimes(samples, markers);
  const first = times.length ? Math.min(...times) : 0;
  const last = times.length ? Math.max(...times) : 1;
  // A run's clock starts with it: begin at 0 when the first event is near it, so times read as the run's.
  const from = first > 0 && first < (last - first) * 0.1 ? 0 : first;
  const to = Math.max(last + (last - from) * 0.02, from + 1);
  const step = niceStep(to - from);
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to + 1e-9; t += step) ticks.push(Number(t.toFixed(6)));
  const seconds = to - from >= 2000;
  const digits = (s: number) => Math.max(0, -Math.floor(Math.log10(s) + 1e-9));
  const label = seconds
    ? (t: number) => `${(t / 1000).toFixed(digits(step / 1000))} s`
    : (t: number) => `${t.toFixed(digits(step))} ms`;
  return { from, to, ticks, label };
}
