// Comparing targets with socketkit bench: rounds rotate the order of the targets (A B, then B A, …) so that
// none always runs first on a warming or cooling machine, and the medians over rounds are compared.

import { runLoad, type LoadResult, type LoadSpec, type Progress } from "./run.js";
import type { Target } from "./connections.js";

export interface TargetSummary {
  target: string;
  /** Medians over rounds. */
  rate: number;
  p50us: number;
  p99us: number;
  errors: number;
  starved: number;
  rounds: LoadResult[];
}

export interface Comparison {
  targets: TargetSummary[];
  /** Each target's median rate over the first target's: "B/A" → ratio. */
  ratios: Record<string, number>;
  /** The ratio of each round's rates (same round, adjacent runs): their spread shows how noisy the machine was. */
  roundRatios: Record<string, number[]>;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The order of the targets in round `round`: rotated by one each round, so each runs in every position equally
 * often (A B, B A, … for two). Rotating and also reversing every other round, as bench/echo.ts does, would give
 * two targets the same order every round.
 */
export function orderFor<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** What compare() reports as it goes: a run starting, its progress about once a second, its result. */
export type RunEvent = { round: number; target: Target } & (
  { kind: "start" } | { kind: "progress"; progress: Progress } | { kind: "done"; result: LoadResult }
);

/**
 * Seconds a comparison is planned to take: each target warmed up once, then `rounds` runs of `duration` each.
 * Opening connections comes on top.
 */
export function plannedSeconds(targets: number, rounds: number, duration: number, warmup: number): number {
  return targets * (warmup + rounds * duration);
}

/** Runs `rounds` rounds over `targets`, each target once per round, and compares the medians. */
export async function compare(
  targets: Target[],
  spec: Omit<LoadSpec, "target">,
  rounds: number,
  onRun?: (event: RunEvent) => void,
): Promise<Comparison> {
  const results: LoadResult[][] = targets.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const i of orderFor(
      targets.map((_, i) => i),
      round,
    )) {
      const target = targets[i]!;
      onRun?.({ round, target, kind: "start" });
      const result = await runLoad({ ...spec, target }, (progress) =>
        onRun?.({ round, target, kind: "progress", progress }),
      );
      onRun?.({ round, target, kind: "done", result });
      results[i]!.push(result);
    }
  }
  const summaries = results.map((rs) => ({
    target: rs[0]!.target,
    rate: median(rs.map((r) => r.rate)),
    p50us: median(rs.map((r) => r.latencyUs.p50)),
    p99us: median(rs.map((r) => r.latencyUs.p99)),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    starved: Math.max(...rs.map((r) => r.starved)),
    rounds: rs,
  }));
  const ratios: Record<string, number> = {};
  const roundRatios: Record<string, number[]> = {};
  for (let i = 1; i < summaries.length; i++) {
    const key = `${summaries[i]!.target}/${summaries[0]!.target}`;
    ratios[key] = summaries[i]!.rate / summaries[0]!.rate;
    roundRatios[key] = results[i]!.map((r, k) => r.rate / results[0]![k]!.rate);
  }
  return { targets: summaries, ratios, roundRatios };
}
