// bench/echo.ts's table: per scenario and server the medians over rounds (rate, latency percentiles, CPU), then
// the ratios to node:net, the framework against the bare Socket, and each server's distance to the C echo.
import type { LoadResult } from "./load.js";

/** One server's numbers in one round. */
export interface Sample extends LoadResult {
  /** Cores the server used in the round (from /proc/PID/stat). */
  serverCpu: number;
  /** The part of serverCpu the kernel spent on the server's behalf (system time). */
  serverSystemCpu: number;
  clientCpu: number;
  /** CPU the rest of the machine used meanwhile, in cores: a busy machine makes rates noisy. */
  otherCpu: number;
}

/** One server's medians over the rounds of a scenario. */
export interface Summary {
  rate: number;
  p50us: number;
  p99us: number;
  p999us: number;
  maxUs: number;
  serverCpu: number;
  clientCpu: number;
  serverCpuPerOpUs: number;
  /** The kernel's part of serverCpuPerOpUs (it also shrinks when a faster server lets its peer sleep less). */
  serverSystemPerOpUs: number;
  clientCpuPerOpUs: number;
  otherCpu: number;
  rates: number[];
}

export interface Row {
  scenario: string;
  servers: Record<string, Summary>;
  /** "a/b" → the ratio of the median rates. */
  ratios: Record<string, number>;
  /** "a/b" → the median over rounds of the ratio within each round (slow drift on the machine cancels). */
  pairedRatios: Record<string, number>;
  /** "a/b" → b's server CPU per op over a's: above 1, a needs less CPU per round trip or connection. */
  cpuPerOpRatios: Record<string, number>;
  /** "a/b" → the median over rounds of a's p99 over b's in the same round: at most 1, a's tail is no worse. */
  pairedP99Ratios: Record<string, number>;
}

export interface TableMeta {
  rounds: number;
  seconds: number;
  node: string;
  pinned: boolean;
  generator: string;
  /** Why the C programs are missing, when they are. */
  note: string | null;
  servers: Array<{ key: string; name: string }>;
  pairs: Array<[string, string]>;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

function printServers(rows: Row[], meta: TableMeta): void {
  const head = ["rate/s", "p50 µs", "p99 µs", "p99.9 µs", "max µs", "srv CPU", "cli CPU"];
  head.push("srv µs/op", "of it sys", "cli µs/op");
  console.log("".padEnd(26) + [...head, "others"].map((h) => h.padStart(10)).join(""));
  for (const row of rows) {
    console.log(row.scenario);
    for (const s of meta.servers) {
      const x = row.servers[s.key];
      if (!x) continue;
      const cells = [x.rate, x.p50us, x.p99us, x.p999us, x.maxUs, pct(x.serverCpu), pct(x.clientCpu)];
      cells.push(x.serverCpuPerOpUs.toFixed(2), x.serverSystemPerOpUs.toFixed(2), x.clientCpuPerOpUs.toFixed(2));
      cells.push(pct(x.otherCpu));
      console.log(`  ${s.name.padEnd(24)}` + cells.map((c) => String(c).padStart(10)).join(""));
    }
  }
}

function printRatios(title: string, rows: Row[], pairs: Array<[string, string]>, cell: (r: Row, k: string) => string) {
  if (pairs.length === 0) return;
  console.log(`\n${title}`);
  console.log("".padEnd(49) + pairs.map(([a, b]) => `${a}/${b}`.padStart(21)).join(""));
  for (const row of rows)
    console.log(row.scenario.padEnd(49) + pairs.map(([a, b]) => cell(row, `${a}/${b}`).padStart(21)).join(""));
}

/**
 * What user-space work can win against node:net: were a server's own code free, its CPU per op would be its
 * system time, so node:net's CPU per op ÷ that is the ratio it would reach at this kernel cost (conservative: a
 * faster server also costs the kernel less).
 */
function printKernelBound(rows: Row[], meta: TableMeta): void {
  const others = meta.pairs.filter(([a, b]) => b === "node" && a !== "node");
  printRatios(
    "the ratio to node:net with no user time at this kernel cost (node's CPU/op ÷ this one's sys/op)",
    rows,
    others,
    (r, k) => {
      const a = r.servers[k.split("/")[0]!];
      const node = r.servers.node;
      return a && node && a.serverSystemPerOpUs > 0 ? (node.serverCpuPerOpUs / a.serverSystemPerOpUs).toFixed(3) : "-";
    },
  );
}

/** Which servers had a p99 above node:net's, per scenario: the tail-latency target is none. */
function tailVerdict(rows: Row[]): string[] {
  return rows.flatMap((r) =>
    ["socketkit", "framework"]
      .filter((k) => r.servers[k] && r.servers.node && r.servers[k].p99us > r.servers.node.p99us)
      .map((k) => {
        const paired = r.pairedP99Ratios[`${k}/node`];
        const within = paired === undefined ? "" : ` (within rounds: ${paired.toFixed(3)}×)`;
        return `${r.scenario}: ${k} p99 ${r.servers[k]!.p99us} µs > node:net ${r.servers.node!.p99us} µs${within}`;
      }),
  );
}

export function printTable(rows: Row[], meta: TableMeta): void {
  if (meta.note) console.log(meta.note);
  const pin = meta.pinned ? "client on CPU 0, servers on CPU 1" : "not pinned";
  console.log(
    `echo benchmark: medians of ${meta.rounds} rounds of ${meta.seconds} s, Node ${meta.node}, ${pin}, load from the ${meta.generator} generator\n`,
  );
  printServers(rows, meta);
  const saturated = rows.flatMap((r) =>
    Object.entries(r.servers)
      .filter(([, x]) => x.clientCpu >= 0.9)
      .map(([k]) => `${r.scenario} (${k})`),
  );
  if (saturated.length > 0)
    console.log(`\nthe client used 90% of its CPU or more, so it may have limited: ${saturated.join("; ")}`);
  const toC = meta.pairs.filter(([, b]) => b === "c");
  const others = meta.pairs.filter(([, b]) => b !== "c");
  const fixed = (x: number | undefined) => x?.toFixed(3) ?? "-";
  printRatios("ratios of the median rates", rows, others, (r, k) => fixed(r.ratios[k]));
  printRatios("medians of the ratios within each round", rows, others, (r, k) => fixed(r.pairedRatios[k]));
  printRatios("server CPU per op, inverted (>1: first is cheaper)", rows, others, (r, k) => fixed(r.cpuPerOpRatios[k]));
  printRatios("p99 ÷ the other's p99, median of the ratios within each round (≤1: no worse)", rows, others, (r, k) =>
    fixed(r.pairedP99Ratios[k]),
  );
  // The C echo is the limit: how many times its CPU per op each server needs, and the share of its rate it reaches.
  const inverse = (x: number | undefined) => (x === undefined ? "-" : (1 / x).toFixed(3));
  printRatios("distance to the limit: server CPU per op ÷ the C echo's", rows, toC, (r, k) =>
    inverse(r.cpuPerOpRatios[k]),
  );
  printRatios("distance to the limit: rate ÷ the C echo's", rows, toC, (r, k) => fixed(r.ratios[k]));
  printKernelBound(rows, meta);
  const tail = tailVerdict(rows);
  console.log(
    tail.length === 0
      ? "\np99 at or below node:net's in every scenario"
      : `\np99 above node:net's:\n  ${tail.join("\n  ")}`,
  );
}
