// `socketkit watch [PORT]`: every TCP listener of the namespace at a glance, or one port's listeners in detail,
// refreshed on an interval. This file parses the options and runs the loop; watch/ builds and draws the views.

import { parseArgs } from "node:util";
import { snapshotListeners, type ListenersSnapshot } from "../kernel/listener-snapshot.js";
import type { View } from "../lab/view.js";
import { parseLang, UsageError } from "./messages.js";
import { joinNegativeValues, parseCount, parsePort, parseSeconds } from "./options.js";
import { wantsColor } from "./terminal.js";
import { describeCrossing, parseFailOn, type FailOn } from "./watch/fail-on.js";
import { QueueHistory } from "./watch/history.js";
import { listLines, renderList } from "./watch/list-view.js";
import { portLine, renderPort } from "./watch/port-view.js";
import { listSample, portSample, type ListSample, type PortSample } from "./watch/sample.js";
import { Screen } from "./watch/screen.js";

export type { ListSample, PortSample } from "./watch/sample.js";
/** What `watch PORT --json` prints per refresh (the name it had when watch showed only one port). */
export type WatchSample = PortSample;

/** `socketkit watch --help`. */
export const watchHelp = `Usage: socketkit watch [PORT] [--interval 1] [--once] [--count N] [--json] [--fail-on C] [--lang zh|en]

Without PORT: every TCP listener of this network namespace (IPv4 and IPv6), one line each, most pressed first —
its accept queue and backlog (ss -ltn's Recv-Q and Send-Q; the kernel holds backlog + 1), a history of the queue,
SYN-RECV requests, established connections, drops per second and the processes holding the listening socket.
With PORT: that port's listeners in detail, each SO_REUSEPORT socket apart. Both end with the kernel's overflow
and drop counters (TcpExt), which count every listener of the network namespace. On a terminal the view redraws
in place until Ctrl-C; piped, it prints key=value lines.
  --once        one look, then exit               --count N   N looks, then exit
  --interval S  seconds between looks (default 1)  --json      one JSON object per look
  --fail-on C   exit 1 once a listening socket meets C: 'acceptQueue>=backlog', 'synRecv>100',
                'acceptQueue>=0.8*backlog'; fields acceptQueue, backlog, synRecv, established, drops;
                operators >= > <= < == !=; repeat it for several (any one fails)
  --lang zh|en  the view's language (default: from LANG)`;

interface WatchSettings {
  port: number | undefined;
  interval: number;
  count: number;
  json: boolean;
  failOn: FailOn[];
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
      "fail-on": { type: "string", multiple: true, default: [] },
      lang: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return null;
  if (positionals.length > 1) {
    throw new UsageError("watch takes at most one port, e.g. socketkit watch 12345", {
      zh: "watch 最多接受一个端口，例如 socketkit watch 12345",
    });
  }
  const count = values.once ? 1 : values.count === undefined ? Infinity : parseCount(values.count, "--count", 1);
  return {
    port: positionals[0] === undefined ? undefined : parsePort(positionals[0], "port"),
    interval: parseSeconds(values.interval, "--interval", 0.05, 3600),
    count,
    json: values.json,
    failOn: values["fail-on"].map(parseFailOn),
    lang: values.lang,
  };
}

type Sample = ListSample | PortSample;

/** Where the samples go: JSON lines, key=value lines, one printed frame, or a screen redrawn in place. */
interface Output {
  show(sample: Sample): void;
  close(): void;
}

function output(s: WatchSettings, view: View, history: QueueHistory): Output {
  const frame = (sample: Sample, width: number, height: number | null) =>
    "port" in sample
      ? renderPort(view, sample, history, { width, interval: s.interval })
      : renderList(view, sample, history, { width, height, interval: s.interval });
  const write = (lines: string[]) => void process.stdout.write(`${lines.join("\n")}\n`);
  if (s.json) return { show: (x) => write([JSON.stringify(x)]), close: () => undefined };
  if (s.count === 1) return { show: (x) => write(frame(x, view.width, null)), close: () => undefined };
  if (!process.stdout.isTTY)
    return { show: (x) => write("port" in x ? [portLine(x)] : listLines(x)), close: () => undefined };
  const screen = new Screen();
  let last: Sample | null = null;
  const draw = () => last && screen.draw(frame(last, screen.width, screen.height));
  screen.onResize(draw);
  return { show: (x) => ((last = x), draw()), close: () => screen.leave() };
}

/** Resolves a sleep early, and says so, once SIGINT, SIGTERM or SIGHUP arrives. */
function stopSignals() {
  let stopped = false;
  let wake: () => void = () => undefined;
  const onSignal = () => ((stopped = true), wake());
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const sig of signals) process.on(sig, onSignal);
  return {
    get stopped() {
      return stopped;
    },
    sleep: (ms: number) =>
      new Promise<void>((r) => {
        const timer = setTimeout(r, ms);
        wake = () => (clearTimeout(timer), r());
      }),
    dispose: () => signals.forEach((sig) => process.off(sig, onSignal)),
  };
}

/**
 * Runs `socketkit watch` with `argv` (the words after `watch`) until its count, a signal or a `--fail-on` crossing.
 * @returns the exit code: 0, or 1 when a `--fail-on` condition was met.
 * @throws UsageError for a mistake on the command line.
 */
export async function watch(argv: string[]): Promise<number> {
  const s = settings(argv);
  if (s === null) return (console.log(watchHelp), 0);
  const lang = parseLang(s.lang);
  const width = process.stdout.isTTY ? process.stdout.columns || 80 : 100;
  const view: View = { lang, color: wantsColor(), width };
  const history = new QueueHistory();
  const out = output(s, view, history);
  const stop = stopSignals();
  let previous: ListenersSnapshot | null = null;
  let last: Sample | null = null;
  try {
    for (let i = 0; i < s.count && !stop.stopped && !last?.crossed.length; i++) {
      if (i > 0) await stop.sleep(s.interval * 1000);
      if (stop.stopped) break;
      const snap = snapshotListeners({ ports: s.port === undefined ? [] : [s.port] });
      history.record(snap.listeners);
      last = s.port === undefined ? listSample(snap, previous, s.failOn) : portSample(s.port, snap, previous, s.failOn);
      out.show(last);
      previous = snap;
    }
  } finally {
    out.close();
    stop.dispose();
  }
  for (const c of last?.crossed ?? []) console.error(`socketkit watch: ${describeCrossing(c, lang)}`);
  return last?.crossed.length ? 1 : 0;
}
