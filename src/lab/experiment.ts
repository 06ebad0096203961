// What an experiment is: one definition holding its name, whether it needs root, its options with defaults and
// ranges, the model runs that predict it, its run on the kernel, and how its result reads. defineExperiment() types
// the options from their declaration, so a run reads `o.backlog` as a number; registry.ts lists the experiments.

import type { SimResult } from "../sim/listen-path.js";
import type { SimParams } from "../sim/params.js";
import type { Frame } from "./capture.js";
import type { Value } from "./claims.js";
import type { ModelEnvironment } from "./model-environment.js";
import type { ExperimentResult } from "./result.js";
import type { Text, View } from "./view.js";

/**
 * How one numeric option is declared: `--name N`, checked against [min, max] by the command line before the run. A
 * default of null means "unset": the namespace's own setting, or every case (`--abort-on-overflow`).
 */
export interface OptionDeclaration {
  help: Text;
  default: number | null;
  min: number;
  max: number;
  /** "seconds" takes fractions (`--drain-at 0.5`); counts are whole numbers. */
  unit?: "count" | "seconds";
  /** The sysctl this option sets inside the experiment's own namespaces; setting it needs root. */
  sysctl?: string;
}

/** An experiment's options as its folder declares them: by the command line's names, in the order help lists them. */
export type OptionTable = Record<string, OptionDeclaration>;

/** One declared option with its name, as the command line lists and parses it. */
export interface OptionSpec extends OptionDeclaration {
  name: string;
}

/**
 * The values of the options table `T` declares: a number, or null for an unset option whose default is null —
 * what an experiment's model and run receive.
 */
export type OptionValues<T extends OptionTable = OptionTable> = {
  [K in keyof T]: T[K]["default"] extends number ? number : number | null;
};

/** Options as a caller gives them (the command line, a test, a namespace child's JSON): any of them, by name. */
export type GivenOptions = Partial<Record<string, number | null>>;

/** One model run behind an experiment (overflow and synqueue vary a sysctl, so they have several). */
export interface ModelCase {
  /** What this case sets that the others do not, by the sysctl's name: `{ tcp_syncookies: 1 }`; `{}` for one case. */
  setting: Record<string, number>;
  label: string;
  /** The label in Chinese, for --lang zh. */
  zh: string;
  params: Partial<SimParams>;
}

/** Callbacks an experiment uses to tell the person watching what it does, and to hand over what it captured. */
export interface RunHooks {
  /** Called before a wait longer than about a second, and during it as the run moves on. */
  progress?: (what: Text, ms: number) => void;
  /** Called with the packets of each delay line the run made, once its capture is complete (`--pcap`). */
  capture?: (frames: readonly Frame[]) => void;
}

/** What the model predicts for one case, in the fields the lab's claims measure. */
export type Prediction = Record<string, Value>;

/** What an experiment does with its typed options and its result: the parts its definition and its use share. */
interface ExperimentParts<T extends OptionTable, R extends ExperimentResult> {
  /** The name on the command line, and the `experiment` field of its result. */
  name: R["experiment"];
  summary: Text;
  /** Needs root for private network namespaces (overflow, synqueue); the others run anywhere. */
  needsRoot: boolean;
  /** The model runs that predict this experiment from the same options: what `socketkit sim <name>` runs. */
  model(o: OptionValues<T>, env: ModelEnvironment): ModelCase[];
  /** One model run in the fields the lab measures: what `sim <name>` predicts, and each lab case's `predicted`. */
  predict(run: SimResult): Prediction;
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
  /** The sysctls the options given set in the experiment's namespaces, by dotted name: `{}` when none is set. */
  namespaceSettings(o: OptionValues<T>): Record<string, number>;
}

/** The sysctls options set (those `table` declares with `sysctl`, given a value), by dotted name. */
export function sysctlsOf(table: OptionTable, o: Partial<Record<string, number | null>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, spec] of Object.entries(table)) {
    const value = o[name];
    if (spec.sysctl !== undefined && value !== null && value !== undefined) out[spec.sysctl] = value;
  }
  return out;
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
    namespaceSettings: (o) => sysctlsOf(definition.options, o),
  };
}
