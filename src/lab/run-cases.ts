// An experiment of several cases (overflow's tcp_abort_on_overflow settings, synqueue's tcp_syncookies values) run
// one after the other, each over a line of its own, and made one result: the cases in order, the settings the
// model ran with, and one verdict with each difference under its case's name.

import { caseName } from "./claim-lines.js";
import type { ModelEnvironment } from "./model-environment.js";
import type { ExperimentResult, LabCase } from "./result.js";
import { joinVerdicts } from "./verdict.js";

/** Runs `runCase` for each of `values` in turn; the result of experiment `name` with options `o`. */
export async function runEachCase<N extends string, O, V, C extends LabCase>(
  name: N,
  o: O,
  values: readonly V[],
  runCase: (value: V) => Promise<[C, ModelEnvironment]>,
): Promise<ExperimentResult<N, O, C>> {
  const cases: C[] = [];
  let settings: ModelEnvironment = {};
  for (const value of values) {
    const [one, itsSettings] = await runCase(value);
    cases.push(one);
    settings = itsSettings;
  }
  const verdict = joinVerdicts(cases, (c) => caseName(c.setting));
  return { experiment: name, source: "lab", options: o, settings, cases, verdict };
}
