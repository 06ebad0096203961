// What an experiment is: one definition holding its name, whether it needs root, its options with defaults and
// ranges, the model runs that predict it, its run on the kernel, and how its result reads. defineExperiment() types
// the options from their declaration, so a run reads `o.backlog` as a number; registry.ts lists the experiments.

import type { SimResult } from "../sim/listen-path.js";
import type { SimParams } from "../sim/params.js";
import type { ModelEnvironment } from "./model-environment.js";
import type { ExperimentResult } from "./result.js";
import type { Text, View } from "./view.js";

/** How one numeric option is declared: `--name N`, checked against [min, max] by the command line before the run. */
export interface OptionDeclaration {
  help: Text;
  default: number;
  min: number;
  max: number;
}

/** An experiment's options as its folder declares them: by the command line's names, in the order help lists them. */
export type OptionTable = Record<string, OptionDeclaration>;

/** One declared option with its name, as the command line lists and parses it. */
export interface OptionSpec extends OptionDeclaration {
  name: string;
}

/** The values of the options table `T` declares, every one a number: what an experiment's model and run receive. */
export type OptionValues<T extends OptionTable = OptionTable> = { [K in keyof T]: number };

/** Options as a caller gives them (the command line, a test, a namespace child's JSON): any of them, by name. */
export type GivenOptions = Partial<Record<string, number>>;

/** One model run behind an experiment (overflow and synqueue vary a sysctl, so they have several). */
export interface ModelCase {
  label: string;
  /** The label in Chinese, for --lang zh. */
  zh: string;
  params: Partial<SimParams>;
}

/** When a run really connected, observed and began to drain, ms on its clock: the schedule its model replays. */
export interface MeasuredSchedule {
  connectAtMs: number[];
  observeAtMs: number;
  drainAtMs: number;
}

/** Callbacks an experiment uses to tell the person watching what it waits for. */
export interface RunHooks {
  /** Called before a wait longer than about a second, with what is being waited for. */
  progress?: (what: Text, ms: number) => void;
}

/** What an experiment does with its typed options and its result: the parts its definition and its use share. */
interface ExperimentParts<T extends OptionTable, R extends ExperimentResult> {
  /** The name on the command line, and the `experiment` field of its result. */
  name: R["experiment"];
  summary: Text;
  /** Needs root for private network namespaces (overflow, synqueue); the others run anywhere. */
  needsRoot: boolean;
  /** The model runs that predict this experiment from the same options: what `socketkit sim <name>` runs. */
  model(o: OptionValues<T>, env: ModelEnvironment): ModelCase[];
  /** The model's runs in the fields the lab measures, one object per case: what `sim <name>` reports. */
  predict(runs: SimResult[]): Array<Record<string, unknown>>;
  // The run and the views load when first used (index.ts imports run.ts and view.ts dynamically): every
  // `socketkit` start loads the registry for its help, and at `ulimit -n 64` (test/fixtures/parity/fd-limit.ts)
  // Node's loader must open the whole static module graph within that many descriptors.
  /** Provokes the situation on this kernel, observes it and compares it with the model. */
  run(o: OptionValues<T>, hooks: RunHooks): Promise<R>;
  /** The result as lines of text, at most `view.width` columns. */
  render(r: R, view: View): Promise<string[]>;
  /** The result as an SVG picture: the queues over time, or the sequence of events. */
  svg(r: R): Promise<string>;
}

/** An experiment as its folder's index.ts declares it, options as a table by name: defineExperiment's argument. */
export interface ExperimentDefinition<T extends OptionTable, R extends ExperimentResult> extends ExperimentParts<T, R> {
  options: T;
}

/** A defined experiment: its options `T`, its result `R`, the options listed in order and their defaults. */
export interface Experiment<
  T extends OptionTable = OptionTable,
  R extends ExperimentResult = ExperimentResult,
> extends ExperimentParts<T, R> {
  options: readonly OptionSpec[];
  /** Every declared option: the given value, or its default. */
  withDefaults(given?: GivenOptions): OptionValues<T>;
}

/**
 * Any experiment, its option and result types forgotten: what the registry lists and the command line dispatches
 * on. A typed experiment stands here without a cast because methods compare their parameters both ways; what keeps
 * that sound is that a caller hands an experiment only its own withDefaults() values and its own run's result.
 */
export type AnyExperiment = Experiment;

/**
 * An experiment from its definition: the options table becomes the ordered list the command line parses, and the
 * model and the run receive every option as a number, defaults filled in.
 * @example defineExperiment({ name: "backlog", options: { backlog: { default: 5, min: 0, max: 65535, help } }, … })
 */
export function defineExperiment<T extends OptionTable, R extends ExperimentResult>(
  definition: ExperimentDefinition<T, R>,
): Experiment<T, R> {
  const options = Object.entries(definition.options).map(([name, declared]) => ({ name, ...declared }));
  return {
    ...definition,
    options,
    // The keys are exactly the table's, each given a number: OptionValues<T> by construction.
    withDefaults: (given = {}) =>
      Object.fromEntries(options.map((o) => [o.name, given[o.name] ?? o.default])) as OptionValues<T>,
  };
}
