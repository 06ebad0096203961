// Echo benchmark: socketkit's bare Socket echo, the framework's echo (ThreadingTCPServer + BaseRequestHandler), a
// plain net.createServer echo and a one-thread C epoll echo (the limit), and on request three floors (socketkit's
// libc bindings with no promises; io_uring without and with a promise per operation), each in its own process,
// driven by the C load generator (bench/c) where cc exists and by socketkit bench's own otherwise. Rounds alternate
// the order of the servers; the medians over rounds are reported with p50/p99/p99.9/max latency and CPU per
// operation, and how much of that CPU was the kernel's.
//
//   npm run bench                                      # defaults: 9 rounds of 1 s per scenario and server
//   npx tsx bench/echo.ts --rounds 3 --seconds 1 --json
//   npx tsx bench/echo.ts --scenarios pp50 --servers socketkit,node --cpu-prof /tmp/prof
//   npx tsx bench/echo.ts --scenarios pp50,pp500 --servers socketkit,node,ffi,uring,uring-promise,c
import { cTools } from "./lib/c-tools.js";
import { printTable, type Row, type Sample, type Summary } from "./lib/echo-report.js";
import { connectRate, pingPong, type Generator, type LoadResult } from "./lib/load.js";
import {
  requireFreshBuild,
  canPin,
  machineBusyNanos,
  ownCpuNanos,
  pinProcess,
  startServer,
  statCpuSplitNanos,
  stopServer,
  type ServerProcess,
} from "./lib/processes.js";
import { median } from "./lib/stats.js";
import { benchArgs } from "./lib/args.js";

const { values: opts } = benchArgs(import.meta.url, {
  rounds: { type: "string", default: "9" },
  seconds: { type: "string", default: "1" },
  warmup: { type: "string", default: "1" },
  parallel: { type: "string", default: "16" },
  scenarios: { type: "string", default: "pp1,pp50,pp500,connect" },
  servers: { type: "string", default: "socketkit,framework,node,c" },
  generator: { type: "string", default: "c" },
  "cpu-prof": { type: "string" },
  json: { type: "boolean", default: false },
  "no-pin": { type: "boolean", default: false },
});
requireFreshBuild();
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const PARALLEL = Number(opts.parallel);
// On two or more cores the load generator runs on CPU 0 and each server on CPU 1, so the scheduler's moves
// between cores do not add noise to one side's numbers (a C generator inherits this process's CPU).
const PIN = canPin(opts["no-pin"]);
if (PIN) pinProcess(process.pid, 0);
const C = cTools();
const GEN: Generator =
  typeof C !== "string" && opts.generator === "c" ? { kind: "c", path: C.loadgen } : { kind: "node" };

interface Scenario {
  key: string;
  name: string;
  run: (port: number) => Promise<LoadResult>;
}
const SCENARIOS: Scenario[] = [
  { key: "pp1", name: "ping-pong 64 B, 1 connection", run: (p) => pingPong(p, 1, SECONDS, GEN) },
  { key: "pp50", name: "ping-pong 64 B, 50 connections", run: (p) => pingPong(p, 50, SECONDS, GEN) },
  { key: "pp500", name: "ping-pong 64 B, 500 connections", run: (p) => pingPong(p, 500, SECONDS, GEN) },
  {
    key: "connect",
    name: `new connections (${PARALLEL} in parallel, 1 round trip)`,
    run: (p) => connectRate(p, PARALLEL, SECONDS, GEN),
  },
];
const tsx = (file: string, flags: string[]) => [
  process.execPath,
  ...flags,
  "--import",
  "tsx",
  new URL(file, import.meta.url).pathname,
];
const SERVERS = [
  { key: "socketkit", name: "socketkit Socket", argv: (f: string[]) => tsx("./servers/socketkit-echo.ts", f) },
  { key: "framework", name: "socketkit framework", argv: (f: string[]) => tsx("./servers/framework-echo.ts", f) },
  { key: "node", name: "node:net", argv: (f: string[]) => tsx("./servers/node-echo.ts", f) },
  { key: "ffi", name: "FFI floor, no promises", argv: (f: string[]) => tsx("./servers/ffi-floor-echo.ts", f) },
  { key: "uring", name: "io_uring floor", argv: (f: string[]) => tsx("./servers/uring-floor-echo.ts", f) },
  {
    key: "uring-promise",
    name: "io_uring, promises",
    argv: (f: string[]) => tsx("./servers/uring-promise-echo.ts", f),
  },
  { key: "c", name: "C epoll echo", argv: () => (typeof C === "string" ? [] : [C.echoServer]) },
];

async function measure(sc: Scenario, server: ServerProcess): Promise<Sample> {
  const s0 = statCpuSplitNanos(server.pid);
  const c0 = ownCpuNanos();
  const m0 = machineBusyNanos();
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${sc.name} on ${server.name} did not finish`)), SECONDS * 5000 + 20_000);
  });
  const r = await Promise.race([sc.run(server.port), watchdog]).finally(() => clearTimeout(timer));
  const ns = r.elapsed * 1e9;
  const s1 = statCpuSplitNanos(server.pid);
  const serverCpu = (s1.user + s1.system - s0.user - s0.system) / ns;
  const serverSystemCpu = (s1.system - s0.system) / ns;
  // This process's own CPU counts as the client's only when it generated the load itself.
  const own = (ownCpuNanos() - c0) / ns;
  const clientCpu = r.clientCpuNanos !== undefined ? r.clientCpuNanos / ns : own;
  const busy = (machineBusyNanos() - m0) / ns;
  const otherCpu = Math.max(0, busy - serverCpu - clientCpu - (r.clientCpuNanos !== undefined ? own : 0));
  return { ...r, serverCpu, serverSystemCpu, clientCpu, otherCpu };
}

/** Rotates the servers' order every round and reverses it every other, so that no server always goes first. */
function orderFor<T>(items: T[], round: number): T[] {
  const k = round % items.length;
  const rotated = [...items.slice(k), ...items.slice(0, k)];
  return round % 2 === 0 ? rotated : rotated.reverse();
}

function summarize(samples: Sample[]): Summary {
  const m = (f: (s: Sample) => number) => median(samples.map(f));
  return {
    rate: Math.round(m((s) => s.rate)),
    p50us: Math.round(m((s) => s.p50)),
    p99us: Math.round(m((s) => s.p99)),
    p999us: Math.round(m((s) => s.p999)),
    maxUs: Math.round(m((s) => s.max)),
    serverCpu: Number(m((s) => s.serverCpu).toFixed(3)),
    clientCpu: Number(m((s) => s.clientCpu).toFixed(3)),
    serverCpuPerOpUs: Number(m((s) => (s.serverCpu * 1e6) / s.rate).toFixed(2)),
    serverSystemPerOpUs: Number(m((s) => (s.serverSystemCpu * 1e6) / s.rate).toFixed(2)),
    clientCpuPerOpUs: Number(m((s) => (s.clientCpu * 1e6) / s.rate).toFixed(2)),
    otherCpu: Number(m((s) => s.otherCpu).toFixed(2)),
    rates: samples.map((s) => Math.round(s.rate)),
  };
}

/** Each pair's ratios: of the median rates, the median of each round's ratio, and of server CPU per op. */
function ratiosOf(by: Record<string, Summary>, samples: Record<string, Sample[]>, pairs: Array<[string, string]>) {
  const of = (f: (a: string, b: string) => number) => {
    const out: Record<string, number> = {};
    for (const [a, b] of pairs) if (by[a] && by[b]) out[`${a}/${b}`] = Number(f(a, b).toFixed(3));
    return out;
  };
  return {
    ratios: of((a, b) => by[a]!.rate / by[b]!.rate),
    pairedRatios: of((a, b) => median(samples[a]!.map((x, i) => x.rate / samples[b]![i]!.rate))),
    cpuPerOpRatios: of((a, b) => by[b]!.serverCpuPerOpUs / by[a]!.serverCpuPerOpUs),
    pairedP99Ratios: of((a, b) => median(samples[a]!.map((x, i) => x.p99 / samples[b]![i]!.p99))),
  };
}

/** The pairs compared: each server against node:net, the framework against the bare Socket, each against C. */
function pairsFor(keys: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const k of keys) if (k !== "node") pairs.push([k, "node"]);
  pairs.push(["framework", "socketkit"]);
  for (const k of keys) if (k !== "c") pairs.push([k, "c"]);
  return pairs.filter(([a, b]) => keys.includes(a) && keys.includes(b));
}

async function start(chosen: typeof SERVERS, flags: string[]): Promise<Array<ServerProcess & { key: string }>> {
  const servers: Array<ServerProcess & { key: string }> = [];
  for (const s of chosen) {
    const started = await startServer(s.name, s.argv(flags), { portPattern: /^(\d+)$/m, cpu: PIN ? 1 : undefined });
    servers.push({ key: s.key, ...started });
  }
  return servers;
}

async function main(): Promise<void> {
  const scenarios = SCENARIOS.filter((s) => opts.scenarios.split(",").includes(s.key));
  const chosen = SERVERS.filter((s) => opts.servers.split(",").includes(s.key) && s.argv([]).length > 0);
  const pairs = pairsFor(chosen.map((s) => s.key));
  const flags = opts["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", opts["cpu-prof"]] : [];
  const servers = await start(chosen, flags);
  try {
    // Let every server's code get compiled before anything is timed.
    if (Number(opts.warmup) > 0) for (const s of servers) await pingPong(s.port, 50, Number(opts.warmup), GEN);
    const rows: Row[] = [];
    for (const sc of scenarios) {
      const samples: Record<string, Sample[]> = Object.fromEntries(servers.map((s) => [s.key, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const s of orderFor(servers, round)) samples[s.key]!.push(await measure(sc, s));
      }
      const by = Object.fromEntries(servers.map((s) => [s.key, summarize(samples[s.key]!)]));
      rows.push({ scenario: sc.name, servers: by, ...ratiosOf(by, samples, pairs) });
    }
    const generator = GEN.kind === "c" ? "C (bench/c/loadgen.c)" : "Node (socketkit bench)";
    const meta = { rounds: ROUNDS, seconds: SECONDS, node: process.version, pinned: PIN, generator };
    if (opts.json)
      console.log(JSON.stringify({ ...meta, ...(typeof C === "string" ? { note: C } : {}), rows }, null, 2));
    else printTable(rows, { ...meta, note: typeof C === "string" ? C : null, servers: chosen, pairs });
  } finally {
    await Promise.all(servers.map((s) => stopServer(s)));
  }
}

await main();
