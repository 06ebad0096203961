// The model's side of every case, made once for `sim` and `lab` alike: each model run of an experiment, its
// prediction in the lab's fields, and what the model observed — so a lab case's `predicted` is the sim's by
// construction, for the same options and settings.

import { simulate } from "../sim/listen-path.js";
import type { ModelCase, Prediction } from "./experiment.js";
import { modelSeries } from "./model-series.js";
import type { CaseRecord } from "./result.js";

/** Runs each case's model and reads its prediction; `timeline` keeps every connection's timeline too. */
export function predictCases<P extends Prediction>(
  cases: readonly ModelCase[],
  predict: (run: ReturnType<typeof simulate>) => P,
  timeline = false,
): Array<CaseRecord<P>> {
  return cases.map((c) => {
    const run = simulate(c.params);
    const model = {
      observation: run.observation,
      counters: run.counters,
      series: modelSeries(run),
      ...(timeline ? { connections: run.connections } : {}),
    };
    return { setting: c.setting, label: c.label, zh: c.zh, predicted: predict(run), model };
  });
}
