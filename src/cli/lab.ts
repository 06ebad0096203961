// `socketkit lab <experiment>` and `socketkit sim <experiment>`: parse the options an experiment declares, run it on
// this kernel (lab) or in the model (sim), and print its story, one JSON object with --json, an SVG with --svg, the
// packets as a pcap file with --pcap.

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { AnyExperiment, GivenOptions, OptionSpec, OptionValues, RunHooks } from "../lab/experiment.js";
import { EXPERIMENTS, findExperiment, resultJson, simulateExperiment } from "../lab/registry.js";
import type { Text, View } from "../lab/view.js";
import { parseLang, UsageError } from "./messages.js";
import { joinNegativeValues, parseCount, parseSeconds } from "./options.js";
import { terminalView } from "./terminal.js";

// What only a run or a simulation needs loads when one starts, as the experiments' runs and views do
// (src/lab/experiment.ts): main.ts imports this file on every start, for the help.

/** An option as the help shows it: `--drain-at 0.3`, or `--somaxconn N` for one unset by default. */
function optionUsage(o: OptionSpec): string {
  return `--${o.name} ${o.default ?? "N"}`;
}

function experimentLine(e: AnyExperiment, view: View): string {
  const opts = e.options.map(optionUsage).join(" ");
  const root = e.needsRoot ? (view.lang === "zh" ? "（root）" : "(root) ") : "";
  return `  ${e.name.padEnd(12)} ${root}${e.summary[view.lang]}${opts ? `\n  ${"".padEnd(12)} ${opts}` : ""}`;
}

const HELP: Record<View["lang"], string[]> = {
  en: [
    "Usage: socketkit lab <experiment> [options] [--json] [--svg FILE] [--pcap FILE] [--netns] [--lang zh|en]",
    "       socketkit sim <experiment> [the lab's options] [--json] [--timeline] [--svg FILE] [--lang zh|en]",
    "",
    "Experiments on this machine's kernel, each finding checked against its own records and the model (defaults):",
  ],
  zh: [
    "用法：socketkit lab <实验> [选项] [--json] [--svg 文件] [--pcap 文件] [--netns] [--lang zh|en]",
    "      socketkit sim <实验> [与 lab 相同的选项] [--json] [--timeline] [--svg 文件] [--lang zh|en]",
    "",
    "在本机内核上运行的实验，每项结论都与本次运行的记录和模型核对（括号内为默认值）：",
  ],
};

const HELP_TAIL: Record<View["lang"], string[]> = {
  en: [
    "  --json       one JSON object (sim prints the same shape, without what only a run measures)",
    "  --svg FILE   the queues over time (or the sequence) as SVG, with the run's marks",
    "  --pcap FILE  every packet the delay line carried, as a pcap file for tcpdump -r or Wireshark (root)",
    "  --netns      run inside a private network namespace (root): its counters see only this experiment",
    "  N: unset, the namespace's own setting (or, for --abort-on-overflow, both cases); setting it needs root",
    "'socketkit sim <experiment>' runs the model alone with the same options and defaults.",
  ],
  zh: [
    "  --json       输出一个 JSON 对象（sim 输出相同结构，只少了实际运行才有的测量）",
    "  --svg 文件   把队列随时间的变化（或事件顺序）画成 SVG，并标出运行中的事件",
    "  --pcap 文件  把延迟线转发的每个数据包写成 pcap 文件，可用 tcpdump -r 或 Wireshark 打开（需 root）",
    "  --netns      在私有网络命名空间中运行（需 root）：计数器只统计这个实验",
    "  N：未设置时使用命名空间自己的设置（--abort-on-overflow 则两种情形都运行）；设置它需要 root",
    "'socketkit sim <实验>' 只运行模型，选项和默认值与 lab 相同。",
  ],
};

/** The lab's help, listing every experiment of the registry with its options and their defaults. */
export function labHelp(view: View = { lang: "en", color: false, width: 100 }): string {
  return [...HELP[view.lang], ...EXPERIMENTS.map((e) => experimentLine(e, view)), ...HELP_TAIL[view.lang]].join("\n");
}

interface Parsed {
  experiment: AnyExperiment;
  options: OptionValues;
  flags: { json: boolean; netns: boolean; timeline: boolean; svg?: string; pcap?: string; lang?: string };
}

/** One option's value from its text, checked against its declaration. */
function optionValue(spec: OptionSpec, text: string): number {
  return spec.unit === "seconds"
    ? parseSeconds(text, `--${spec.name}`, spec.min, spec.max)
    : parseCount(text, `--${spec.name}`, spec.min, spec.max);
}

/** Parses `<experiment> [options]` against the options that experiment declares; null when help was asked for. */
function parse(argv: string[]): Parsed | null {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") return null;
  const experiment = findExperiment(name);
  if (experiment === undefined)
    throw new UsageError(`unknown experiment '${name}' (try: ${EXPERIMENTS.map((e) => e.name).join(", ")})`, {
      zh: `没有名为“${name}”的实验（可选：${EXPERIMENTS.map((e) => e.name).join("、")}）`,
    });
  const declared = Object.fromEntries(experiment.options.map((o) => [o.name, { type: "string" as const }]));
  const { values } = parseArgs({
    args: joinNegativeValues(rest),
    options: {
      ...declared,
      json: { type: "boolean", default: false },
      netns: { type: "boolean", default: false },
      timeline: { type: "boolean", default: false },
      svg: { type: "string" },
      pcap: { type: "string" },
      lang: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return null;
  const texts = new Map(Object.entries(values));
  const given: GivenOptions = {};
  for (const spec of experiment.options) {
    const text = texts.get(spec.name);
    if (typeof text === "string") given[spec.name] = optionValue(spec, text);
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

/** Tells the person what a long wait is for and how it goes, on stderr (one line, redrawn on a terminal). */
function progressHook(view: View): RunHooks["progress"] {
  const tty = process.stderr.isTTY === true;
  return (what: Text, ms: number) => {
    if (ms < 1000) return;
    const left = (ms / 1000).toFixed(1);
    const line = view.lang === "zh" ? `… ${what.zh}（还需 ${left} 秒）` : `… ${what.en} (${left} s to go)`;
    process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
  };
}

/** `socketkit lab <experiment>`: runs it here (or with --netns in a namespace of its own); exits 1 on disagreement. */
export async function lab(argv: string[]): Promise<number> {
  const command = parseOrHelp(argv);
  if (typeof command === "number") return command;
  const { MissingPrivilegeError } = await import("../lab/result.js");
  try {
    return await runLab(command.parsed, command.view);
  } catch (err) {
    // main.ts prints the English sentence; a Chinese view gets its own, the same one line and exit code.
    if (!(err instanceof MissingPrivilegeError) || command.view.lang !== "zh") throw err;
    console.error(`socketkit lab：${err.zh}`);
    return err.exitCode;
  }
}

/** Runs the parsed experiment and prints its result: its story, its JSON, its picture, its capture file. */
async function runLab(parsed: Parsed, view: View): Promise<number> {
  const { flags, experiment } = parsed;
  const { PcapSink } = await import("../lab/pcap.js");
  const { requireRoot } = await import("../lab/result.js");
  const sink = flags.pcap === undefined ? null : new PcapSink(flags.pcap);
  if (sink) requireRoot("the delay line whose packets --pcap writes");
  const hooks: RunHooks = {
    ...(flags.json ? {} : { progress: progressHook(view) }),
    ...(sink ? { capture: sink.add } : {}),
  };
  // With --netns the experiment runs in a private network namespace, so no other traffic moves its counters; its
  // result comes back as JSON (its capture file written there) and is shown the same way.
  const result = flags.netns
    ? await (
        await import("../lab/private-namespace.js")
      ).runInPrivateNetns(experiment.name, parsed.options, {}, flags.pcap)
    : await experiment.run(parsed.options, hooks);
  if (hooks.progress && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  if (sink && !flags.netns) sink.write();
  if (flags.svg !== undefined) writeFileSync(flags.svg, await experiment.svg(result));
  console.log(flags.json ? resultJson(result) : (await experiment.render(result, view)).join("\n"));
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
  const { renderSimulation, simulationSvg } = await import("./sim-view.js");
  const record = simulateExperiment(
    parsed.experiment.name,
    parsed.options,
    localModelEnvironment(),
    parsed.flags.timeline,
  );
  if (parsed.flags.svg !== undefined) writeFileSync(parsed.flags.svg, simulationSvg(record));
  console.log(parsed.flags.json ? resultJson(record) : renderSimulation(record, view).join("\n"));
  return 0;
}
