// `socketkit lab <experiment>` and `socketkit sim <experiment>`: parse the options an experiment declares, run it on
// this kernel (lab) or in the model (sim), and print its story, one JSON object with --json, or an SVG with --svg.

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { AnyExperiment, GivenOptions, OptionValues, RunHooks } from "../lab/experiment.js";
import { EXPERIMENTS, findExperiment, resultJson, simulateExperiment } from "../lab/registry.js";
import type { Text, View } from "../lab/view.js";
import { parseLang, UsageError } from "./messages.js";
import { joinNegativeValues, parseCount } from "./options.js";
import { terminalView } from "./terminal.js";

// What only a run or a simulation needs loads when one starts, as the experiments' runs and views do
// (src/lab/experiment.ts): main.ts imports this file on every start, for the help.

function experimentLine(e: AnyExperiment, view: View): string {
  const opts = e.options.map((o) => `--${o.name} ${o.default}`).join(" ");
  return `  ${e.name.padEnd(12)} ${e.needsRoot ? "(root) " : ""}${e.summary[view.lang]}${opts ? `\n  ${"".padEnd(12)} ${opts}` : ""}`;
}

/** The lab's help, listing every experiment of the registry with its options and their defaults. */
export function labHelp(view: View = { lang: "en", color: false, width: 100 }): string {
  return [
    "Usage: socketkit lab <experiment> [options] [--json] [--svg FILE] [--netns] [--lang zh|en]",
    "       socketkit sim <experiment> [the lab's options] [--json] [--timeline] [--svg FILE] [--lang zh|en]",
    "",
    "Experiments on this machine's kernel, each compared with the model's prediction (defaults shown):",
    ...EXPERIMENTS.map((e) => experimentLine(e, view)),
    "  --json       one JSON object          --svg FILE   the queues over time (or the sequence) as SVG",
    "  --netns      run inside a private network namespace (root): its counters see only this experiment",
    "'socketkit sim <experiment>' runs the model alone with the same options and defaults.",
  ].join("\n");
}

interface Parsed {
  experiment: AnyExperiment;
  options: OptionValues;
  flags: { json: boolean; netns: boolean; timeline: boolean; svg?: string; lang?: string };
}

/** Parses `<experiment> [options]` against the options that experiment declares; null when help was asked for. */
function parse(argv: string[]): Parsed | null {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") return null;
  const experiment = findExperiment(name);
  if (experiment === undefined)
    throw new UsageError(`unknown experiment '${name}' (try: ${EXPERIMENTS.map((e) => e.name).join(", ")})`);
  const declared = Object.fromEntries(experiment.options.map((o) => [o.name, { type: "string" as const }]));
  const { values } = parseArgs({
    args: joinNegativeValues(rest),
    options: {
      ...declared,
      json: { type: "boolean", default: false },
      netns: { type: "boolean", default: false },
      timeline: { type: "boolean", default: false },
      svg: { type: "string" },
      lang: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return null;
  const texts = new Map(Object.entries(values));
  const given: GivenOptions = {};
  for (const spec of experiment.options) {
    const text = texts.get(spec.name);
    if (typeof text === "string") given[spec.name] = parseCount(text, `--${spec.name}`, spec.min, spec.max);
  }
  const flags: Parsed["flags"] = values;
  return { experiment, options: experiment.withDefaults(given), flags };
}

/** The parsed command and the view to show it in; or, after printing the help, the exit code. */
function parseOrHelp(argv: string[]): { parsed: Parsed; view: View } | number {
  const parsed = parse(argv);
  const view = terminalView(parseLang(optionText(argv, "--lang")));
  if (parsed !== null) return { parsed, view };
  console.log(labHelp(view));
  return argv.length === 0 ? 2 : 0;
}

/** Tells the person what a long wait is for, on stderr, so stdout stays the result. */
function progressHook(view: View): RunHooks {
  return {
    progress: (what: Text, ms: number) => {
      if (ms >= 1000) process.stderr.write(`… ${what[view.lang]} (${(ms / 1000).toFixed(1)} s)\n`);
    },
  };
}

/** `socketkit lab <experiment>`: runs it here (or with --netns in a namespace of its own); exits 1 on disagreement. */
export async function lab(argv: string[]): Promise<number> {
  const command = parseOrHelp(argv);
  if (typeof command === "number") return command;
  const { parsed, view } = command;
  // With --netns the experiment runs in a private network namespace, so no other traffic moves its counters; its
  // result comes back as JSON and is shown the same way.
  const result = parsed.flags.netns
    ? await (await import("../lab/private-namespace.js")).runInPrivateNetns(parsed.experiment.name, parsed.options)
    : await parsed.experiment.run(parsed.options, parsed.flags.json ? {} : progressHook(view));
  if (parsed.flags.svg !== undefined) writeFileSync(parsed.flags.svg, await parsed.experiment.svg(result));
  console.log(parsed.flags.json ? resultJson(result) : (await parsed.experiment.render(result, view)).join("\n"));
  return result.verdict.agree ? 0 : 1;
}

/** The text given for `option` ("--lang zh" or "--lang=zh"), read before parsing so that errors speak it. */
function optionText(argv: string[], option: string): string | undefined {
  const i = argv.findIndex((a) => a === option || a.startsWith(`${option}=`));
  if (i < 0) return undefined;
  return argv[i]!.includes("=") ? argv[i]!.slice(option.length + 1) : argv[i + 1];
}

/** `socketkit sim <experiment>`: runs the experiment's model alone, with the lab's options and defaults. */
export async function sim(argv: string[]): Promise<number> {
  const command = parseOrHelp(argv);
  if (typeof command === "number") return command;
  const { parsed, view } = command;
  const { localModelEnvironment } = await import("../lab/model-environment.js");
  const { renderSimulation, simulationRecord, simulationSvg } = await import("./sim-view.js");
  const report = simulateExperiment(parsed.experiment.name, parsed.options, localModelEnvironment());
  if (parsed.flags.svg !== undefined) writeFileSync(parsed.flags.svg, simulationSvg(report));
  console.log(
    parsed.flags.json
      ? resultJson(simulationRecord(report, parsed.flags.timeline))
      : renderSimulation(report, view, parsed.flags.timeline).join("\n"),
  );
  return 0;
}
