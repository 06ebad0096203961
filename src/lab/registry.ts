// Every experiment the lab knows, by name: the command line's help and dispatch, `sim`, and any runner that wants
// an experiment's JSON result (a child in a private namespace, a test) all start here.

import { simulate } from "../sim/listen-path.js";
import { backlogExperiment } from "./experiments/backlog/run.js";
import { earlyCloseExperiment } from "./experiments/early-close/run.js";
import {
  withDefaults,
  type Experiment,
  type ExperimentResult,
  type ModelEnvironment,
  type OptionValues,
  type RunHooks,
} from "./experiment.js";
import { handshakeExperiment } from "./experiments/handshake/run.js";
import { overflowExperiment } from "./experiments/overflow/run.js";
import { synQueueExperiment } from "./experiments/synqueue/run.js";

/** In the order the help lists them: from the handshake to the queues' limits. */
export const EXPERIMENTS: readonly Experiment[] = [
  handshakeExperiment,
  backlogExperiment,
  earlyCloseExperiment,
  overflowExperiment,
  synQueueExperiment,
] as unknown as readonly Experiment[];

export function experimentNames(): string[] {
  return EXPERIMENTS.map((e) => e.name);
}

/** The experiment called `name`, or undefined. */
export function findExperiment(name: string): Experiment | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}

function mustFind(name: string): Experiment {
  const e = findExperiment(name);
  if (e === undefined) throw new RangeError(`unknown experiment '${name}' (known: ${experimentNames().join(", ")})`);
  return e;
}

/**
 * Runs the experiment called `name` on this kernel with `options` (defaults for the rest) and resolves with its
 * result. The caller picks the namespace: this runs in the current one.
 * @throws RangeError for an unknown name; MissingPrivilegeError when it needs root.
 */
export async function runExperiment(
  name: string,
  options: Partial<OptionValues> = {},
  hooks: RunHooks = {},
): Promise<ExperimentResult> {
  const e = mustFind(name);
  return e.run(withDefaults(e, options), hooks);
}

/** The result as JSON text (bigint counters as strings), as `lab <name> --json` prints it. */
export function resultJson(result: unknown): string {
  return JSON.stringify(result, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** What `sim <name>` reports: each model run's label, prediction in the lab's fields, observation and counters. */
export function simulateExperiment(name: string, options: Partial<OptionValues>, env: ModelEnvironment) {
  const e = mustFind(name);
  const o = withDefaults(e, options);
  const cases = e.model(o, env).map((c) => ({ label: c.label, zh: c.zh, result: simulate(c.params) }));
  const predicted = e.predict(cases.map((c) => c.result));
  return {
    experiment: e.name,
    model: true as const,
    options: o,
    cases: cases.map((c, i) => ({ ...c, predicted: predicted[i] ?? null })),
  };
}
