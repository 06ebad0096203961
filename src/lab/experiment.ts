// What an experiment is: one definition holding its name, whether it needs root, its options with defaults and
// ranges, the model runs that predict it, its run on the kernel, and how its result reads. The registry lists them.

import type { SimResult } from "../sim/listen-path.js";
import type { SimParams } from "../sim/params.js";
import type { QueueSample } from "./queue-sampler.js";
import type { View } from "./view.js";
import type { Verdict } from "./result.js";

/** A sentence in each language the tools speak. */
export type Text = { en: string; zh: string };

/** One numeric option: `--name N`, checked against [min, max] by the command line before the run. */
export interface OptionSpec {
  name: string;
  help: Text;
  default: number;
  min: number;
  max: number;
}

export type OptionValues = Record<string, number>;

/** The kernel settings and version a model run assumes: this machine's, or the model's defaults. */
export type ModelEnvironment = Partial<SimParams>;

/** One model run behind an experiment (overflow and synqueue vary a sysctl, so they have several). */
export interface ModelCase {
  label: string;
  /** The label in Chinese, for --lang zh. */
  zh: string;
  params: Partial<SimParams>;
}

/** What every experiment's result carries beside its own fields. */
export interface ExperimentResult {
  experiment: string;
  verdict: Verdict;
  /** Queue depths sampled during the run, for the pictures (experiments that fill queues). */
  series?: QueueSample[];
}

/** Callbacks an experiment uses to tell the person watching what it waits for. */
export interface RunHooks {
  /** Called before a wait longer than about a second, with what is being waited for. */
  progress?: (what: Text, ms: number) => void;
}

export interface Experiment<R extends ExperimentResult = ExperimentResult> {
  name: string;
  summary: Text;
  /** Needs root for private network namespaces (overflow, synqueue); the others run anywhere. */
  needsRoot: boolean;
  options: OptionSpec[];
  /** The model runs that predict this experiment from the same options: what `socketkit sim <name>` runs. */
  model(o: OptionValues, env: ModelEnvironment): ModelCase[];
  /** The model's runs in the fields the lab measures, one object per case: what `sim <name>` reports. */
  predict(runs: SimResult[]): Array<Record<string, unknown>>;
  run(o: OptionValues, hooks?: RunHooks): Promise<R>;
  /** The result as lines of text, at most `view.width` columns. */
  render(r: R, view: View): string[];
  /** The result as an SVG picture: the queues over time, or the sequence of events. */
  svg(r: R): string;
}

/** The options' defaults, overridden by what was given. */
export function withDefaults(e: Experiment, given: Partial<OptionValues> = {}): OptionValues {
  const out: OptionValues = {};
  for (const spec of e.options) out[spec.name] = given[spec.name] ?? spec.default;
  return out;
}
