// `socketkit watch <port>`: a live view of one listener, refreshed every second — accept queue depth and maximum,
// SYN-RECV count, established connections and their owners, and the overflow and drop counters with their rates.

import { parseArgs } from "node:util";
import { counterDeltas, LISTEN_COUNTERS, readCounters, type Counters } from "../kernel/counters.js";
import { socketOwners } from "../kernel/owners.js";
import { listenerQueues, querySockets, type DiagSocket } from "../kernel/sock-diag.js";
import { UsageError } from "./messages.js";
import { parsePort } from "./options.js";

export const watchHelp = `Usage: socketkit watch <port> [--interval 1] [--once] [--count N] [--json]

Shows the listener on <port>: its accept queue (depth/maximum), half-open SYN-RECV requests, established
connections and their owning processes, and the kernel's overflow and drop counters with their rate per second.
  --once      one sample, then exit        --count N   N samples, then exit
  --json      one JSON object per sample   --interval  seconds between samples (default 1)`;

export interface WatchSample {
  time: string;
  port: number;
  listening: boolean;
  acceptQueue: number;
  acceptQueueMax: number;
  synRecv: number;
  established: number;
  owners: Array<{ pid: number; command: string }>;
  counters: Counters;
  ratePerSecond: Counters;
}

export function sample(port: number, previous: { counters: Counters; at: number } | null): WatchSample {
  const sockets: DiagSocket[] = querySockets();
  const q = listenerQueues(sockets, port);
  const inodes = new Set(sockets.filter((s) => s.localPort === port || s.remotePort === port).map((s) => s.inode).filter((i) => i !== 0));
  const owners = [...new Map([...socketOwners(inodes).values()].map((o) => [o.pid, o])).values()];
  const all = readCounters();
  const counters = Object.fromEntries(LISTEN_COUNTERS.map((k) => [k.replace("TcpExt.", ""), all[k] ?? 0]));
  const now = performance.now();
  const rate: Counters = {};
  if (previous) {
    const d = counterDeltas(previous.counters, counters);
    const secs = (now - previous.at) / 1000;
    for (const [k, v] of Object.entries(d)) rate[k] = Math.round((v / secs) * 10) / 10;
  }
  return {
    time: new Date().toISOString(),
    port,
    listening: q.length > 0,
    acceptQueue: q.reduce((n, l) => n + l.acceptQueue, 0),
    acceptQueueMax: q.reduce((n, l) => Math.max(n, l.acceptQueueMax), 0),
    synRecv: q.reduce((n, l) => n + l.synRecv, 0),
    established: q.reduce((n, l) => n + l.established, 0),
    owners,
    counters,
    ratePerSecond: rate,
  };
}

function render(s: WatchSample): string {
  if (!s.listening) return `${s.time}  nothing listens on port ${s.port}`;
  const bar = "#".repeat(Math.min(40, Math.round((40 * s.acceptQueue) / Math.max(1, s.acceptQueueMax + 1))));
  const owners = s.owners.map((o) => `${o.command}[${o.pid}]`).join(", ") || "not visible";
  const counters = Object.entries(s.counters)
    .map(([k, v]) => `${k} ${v}${s.ratePerSecond[k] ? ` (+${s.ratePerSecond[k]}/s)` : ""}`)
    .join("  ");
  return [
    `${s.time}  port ${s.port}`,
    `  accept queue ${s.acceptQueue}/${s.acceptQueueMax} (+1 allowed)  [${bar.padEnd(40)}]`,
    `  SYN-RECV ${s.synRecv}   established ${s.established}   owners: ${owners}`,
    `  ${counters}`,
  ].join("\n");
}

export async function watch(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      interval: { type: "string", default: "1" },
      once: { type: "boolean", default: false },
      count: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(watchHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("watch takes one port, e.g. socketkit watch 12345");
  const port = parsePort(positionals[0]!, "port");
  const interval = Number(values.interval);
  if (!(interval > 0)) throw new UsageError(`--interval must be a number of seconds > 0, got ${values.interval}`);
  const count = values.once ? 1 : values.count === undefined ? Infinity : Number(values.count);
  let stop = false;
  const onSignal = () => (stop = true);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let previous: { counters: Counters; at: number } | null = null;
  for (let i = 0; i < count && !stop; i++) {
    const s = sample(port, previous);
    previous = { counters: s.counters, at: performance.now() };
    console.log(values.json ? JSON.stringify(s) : render(s) + (values.once ? "" : "\n"));
    if (i + 1 < count) await new Promise((r) => setTimeout(r, interval * 1000));
  }
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return 0;
}
