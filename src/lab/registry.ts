// Every experiment the lab knows, by name: the command line's help and dispatch, `sim`, and any runner that wants
// an experiment's JSON result (a child in a private namespace, a test) all start here.

import type { AnyExperiment, GivenOptions, RunHooks } from "./experiment.js";
import { backlogExperiment } from "./experiments/backlog/index.js";
import { earlyCloseExperiment } from "./experiments/early-close/index.js";
import { handshakeExperiment } from "./experiments/handshake/index.js";
import { overflowExperiment } from "./experiments/overflow/index.js";
import { synQueueExperiment } from "./experiments/synqueue/index.js";
import { predictCases } from "./model-cases.js";
import { envWith, type ModelEnvironment } from "./model-environment.js";
import type { ExperimentResult, SimRecord } from "./result.js";

// Each keeps its own option and result types here, for ExperimentName and ResultOf.
const REGISTERED = [
  handshakeExperiment,
  backlogExperiment,
  earlyCloseExperiment,
  overflowExperiment,
  synQueueExperiment,
] as const satisfies readonly AnyExperiment[];

type Registered = (typeof REGISTERED)[number];

/** Every experiment, in the order the help lists them: from the handshake to the queues' limits. */
export const EXPERIMENTS: readonly AnyExperiment[] = REGISTERED;

/** The name of an experiment the registry lists: "handshake", "backlog", … */
export type ExperimentName = Registered["name"];

/** The result experiment `N` returns, as its own definition types it. */
export type ResultOf<N extends ExperimentName> = Awaited<ReturnType<Extract<Registered, { name: N }>["run"]>>;

/** The experiments' names, in the help's order. */
export function experimentNames(): string[] {
  return EXPERIMENTS.map((e) => e.name);
}

/** The experiment called `name`, or undefined. */
export function findExperiment(name: string): AnyExperiment | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}

function mustFind(name: string): AnyExperiment {
  const e = findExperiment(name);
  if (e === undefined) throw new RangeError(`unknown experiment '${name}' (known: ${experimentNames().join(", ")})`);
  return e;
}

/**
 * Runs the experiment called `name` on this kernel with `options` (defaults for the rest) and resolves with its
 * result, typed by the experiment's definition when the name is known to the compiler. The caller picks the
 * namespace: this runs in the current one.
 * @throws RangeError for an unknown name; MissingPrivilegeError when it needs root.
 */
export async function runExperiment<N extends ExperimentName>(
  name: N,
  options?: GivenOptions,
  hooks?: RunHooks,
): Promise<ResultOf<N>>;
export async function runExperiment(name: string, options?: GivenOptions, hooks?: RunHooks): Promise<ExperimentResult>;
export async function runExperiment(
  name: string,
  options: GivenOptions = {},
  hooks: RunHooks = {},
): Promise<ExperimentResult> {
  const e = mustFind(name);
  return e.run(e.withDefaults(options), hooks);
}

/** The result as JSON text (bigint counters as strings), as `lab <name> --json` prints it. */
export function resultJson(result: unknown): string {
  return JSON.stringify(result, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/**
 * What `sim <name> --json` prints: the experiment's model runs for `options` (defaults for the rest) on `env`, in the
 * shape `lab <name> --json` prints, without what only a run measures. `timeline` adds every connection's story.
 */
export function simulateExperiment(
  name: string,
  options: GivenOptions,
  env: ModelEnvironment,
  timeline = false,
): SimRecord {
  const e = mustFind(name);
  const o = e.withDefaults(options);
  const settings = envWith(env, e.namespaceSettings(o));
  const cases = predictCases(e.model(o, settings), (run) => e.predict(run), timeline);
  return { experiment: e.name, source: "sim", options: o, settings, cases };
}
