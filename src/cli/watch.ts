// `socketkit watch <port>`: a live view of one listener — its queues and owners, and the network namespace's
// overflow and drop counters with their rates. On a terminal the view redraws in place; piped, one line a sample.

import { parseArgs } from "node:util";
import { counterRates, snapshotListener, totalQueues, type ListenerSnapshot } from "../kernel/listener-snapshot.js";
import type { Counters } from "../kernel/counters.js";
import type { SocketOwner } from "../kernel/owners.js";
import { paint, say, type View } from "../lab/view.js";
import { parseLang, UsageError } from "./messages.js";
import { joinNegativeValues, parseCount, parsePort, parseSeconds } from "./options.js";
import { terminalView } from "./terminal.js";

export const watchHelp = `Usage: socketkit watch <port> [--interval 1] [--once] [--count N] [--json] [--lang zh|en]

Shows the listener on <port>: its accept queue (depth/maximum), half-open SYN-RECV requests, established
connections and their owning processes; then the kernel's overflow and drop counters with their rate per second,
which count every listener of this network namespace, not only <port>. On a terminal the view redraws in place.
  --once      one sample, then exit        --count N   N samples, then exit
  --json      one JSON object per sample   --interval  seconds between samples (default 1)`;

export interface WatchSample {
  time: string;
  port: number;
  listening: boolean;
  /** This port's listeners, added up. */
  acceptQueue: number;
  acceptQueueMax: number;
  synRecv: number;
  established: number;
  owners: SocketOwner[];
  /** Namespace-wide: every listener of this network namespace moves these. */
  counters: Counters;
  ratePerSecond: Counters;
  countersScope: "network namespace";
}

export function toSample(s: ListenerSnapshot, previous: ListenerSnapshot | null): WatchSample {
  return {
    time: s.time,
    port: s.port,
    listening: s.listeners.length > 0,
    ...totalQueues(s.listeners),
    owners: s.owners,
    counters: s.namespaceCounters,
    ratePerSecond: counterRates(previous, s),
    countersScope: "network namespace",
  };
}

function counterText(s: WatchSample): string {
  return Object.entries(s.counters)
    .map(([k, v]) => `${k} ${v}${s.ratePerSecond[k] ? ` (+${s.ratePerSecond[k]}/s)` : ""}`)
    .join("  ");
}

/** The full view, for a terminal. */
export function renderBlock(view: View, s: WatchSample): string[] {
  if (!s.listening)
    return [
      say(view, { en: `${s.time}  nothing listens on port ${s.port}`, zh: `${s.time}  端口 ${s.port} 上没有监听` }),
    ];
  const bar = "#".repeat(Math.min(40, Math.round((40 * s.acceptQueue) / Math.max(1, s.acceptQueueMax + 1))));
  const owners =
    s.owners.map((o) => `${o.command}[${o.pid}]`).join(", ") || say(view, { en: "not visible", zh: "不可见" });
  return [
    paint(
      view,
      "bold",
      say(view, { en: `${s.time}  listener on port ${s.port}`, zh: `${s.time}  端口 ${s.port} 上的监听 socket` }),
    ),
    `  accept queue ${s.acceptQueue}/${s.acceptQueueMax} (+1 allowed)  [${paint(view, "cyan", bar.padEnd(40))}]`,
    `  SYN-RECV ${s.synRecv}   established ${s.established}   owners: ${owners}`,
    paint(
      view,
      "bold",
      say(view, {
        en: "network namespace (every listener, not only this port):",
        zh: "整个网络命名空间 (所有监听 socket, 不只此端口):",
      }),
    ),
    `  ${counterText(s)}`,
  ];
}

/** One line a sample, for a pipe or a log file. */
export function renderLine(s: WatchSample): string {
  if (!s.listening) return `${s.time} port=${s.port} listening=no`;
  const rates = Object.entries(s.ratePerSecond)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => ` ns.${k}/s=${v}`)
    .join("");
  return `${s.time} port=${s.port} acceptQueue=${s.acceptQueue}/${s.acceptQueueMax} synRecv=${s.synRecv} established=${s.established} ns.ListenOverflows=${s.counters.ListenOverflows ?? 0} ns.ListenDrops=${s.counters.ListenDrops ?? 0}${rates}`;
}

interface WatchSettings {
  port: number;
  intervalMs: number;
  count: number;
  json: boolean;
  lang: string | undefined;
}

function settings(argv: string[]): WatchSettings | null {
  const { values, positionals } = parseArgs({
    args: joinNegativeValues(argv),
    allowPositionals: true,
    options: {
      interval: { type: "string", default: "1" },
      once: { type: "boolean", default: false },
      count: { type: "string" },
      json: { type: "boolean", default: false },
      lang: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return null;
  if (positionals.length !== 1) throw new UsageError("watch takes one port, e.g. socketkit watch 12345");
  const count = values.once ? 1 : values.count === undefined ? Infinity : parseCount(values.count, "--count", 1);
  return {
    port: parsePort(positionals[0]!, "port"),
    intervalMs: parseSeconds(values.interval, "--interval", 0.05, 3600) * 1000,
    count,
    json: values.json,
    lang: values.lang,
  };
}

/** Writes each sample: JSON, a block redrawn in place on a terminal, or a plain line. */
function printer(view: View, json: boolean, mode: "redraw" | "lines" | "block"): (s: WatchSample) => void {
  let drawn = 0;
  return (s) => {
    if (json) return void process.stdout.write(`${JSON.stringify(s)}\n`);
    if (mode === "lines") return void process.stdout.write(`${renderLine(s)}\n`);
    if (mode === "block") return void process.stdout.write(`${renderBlock(view, s).join("\n")}\n`);
    const lines = renderBlock(view, s);
    // Back to the first line of the previous block, clear to the end of the screen, draw again.
    process.stdout.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ""}${lines.join("\n")}\n`);
    drawn = lines.length;
  };
}

export async function watch(argv: string[]): Promise<number> {
  const s = settings(argv);
  if (s === null) {
    console.log(watchHelp);
    return 0;
  }
  const view = terminalView(parseLang(s.lang));
  // One sample reads best as the whole block; a stream of them redraws on a terminal and is one line each piped.
  const mode = s.count === 1 ? "block" : process.stdout.isTTY ? "redraw" : "lines";
  const print = printer(view, s.json, mode);
  let stop = false;
  let wake: () => void = () => undefined;
  const onSignal = () => ((stop = true), wake());
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let previous: ListenerSnapshot | null = null;
  for (let i = 0; i < s.count && !stop; i++) {
    const snap = snapshotListener(s.port);
    print(toSample(snap, previous));
    previous = snap;
    if (i + 1 < s.count)
      await new Promise<void>((r) => {
        const timer = setTimeout(r, s.intervalMs);
        wake = () => (clearTimeout(timer), r());
      });
  }
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return 0;
}
