// Echo benchmark: socketkit's bare Socket echo, the framework's echo (ThreadingTCPServer + BaseRequestHandler)
// and a plain net.createServer echo, measured in the same run by the same load generator (this process, Node's
// net, bench/lib/load.ts). Each server runs in its own process; rounds alternate the order of the servers, and
// the medians over rounds are reported with p50/p99 latency and the CPU each side used.
//
//   npm run bench                                      # defaults: 9 rounds of 1 s per scenario and server
//   npx tsx bench/echo.ts --rounds 3 --seconds 1 --json
//   npx tsx bench/echo.ts --scenarios pp50 --servers socketkit,node --cpu-prof /tmp/prof
import { parseArgs } from "node:util";
// The load generator is socketkit bench's own (src/bench), through bench/lib/load.ts.
import { connectRate, pingPong, type LoadResult } from "./lib/load.js";
import {
  requireFreshBuild,
  canPin,
  cpuNanos,
  machineBusyNanos,
  ownCpuNanos,
  pinProcess,
  startServer,
  stopServer,
  type ServerProcess,
} from "./lib/processes.js";
import { median } from "./lib/stats.js";

requireFreshBuild();

const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "9" },
    seconds: { type: "string", default: "1" },
    warmup: { type: "string", default: "1" },
    parallel: { type: "string", default: "16" },
    scenarios: { type: "string", default: "pp1,pp50,pp500,connect" },
    servers: { type: "string", default: "socketkit,framework,node" },
    "cpu-prof": { type: "string" },
    json: { type: "boolean", default: false },
    "no-pin": { type: "boolean", default: false },
  },
});
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const PARALLEL = Number(opts.parallel);
// On two or more cores the load generator runs on CPU 0 and each server on CPU 1, so the scheduler's moves
// between cores do not add noise to one side's numbers.
const PIN = canPin(opts["no-pin"]);
if (PIN) pinProcess(process.pid, 0);

interface Scenario {
  key: string;
  name: string;
  run: (port: number) => Promise<LoadResult>;
}
const SCENARIOS: Scenario[] = [
  { key: "pp1", name: "ping-pong 64 B, 1 connection", run: (p) => pingPong(p, 1, SECONDS) },
  { key: "pp50", name: "ping-pong 64 B, 50 connections", run: (p) => pingPong(p, 50, SECONDS) },
  { key: "pp500", name: "ping-pong 64 B, 500 connections", run: (p) => pingPong(p, 500, SECONDS) },
  {
    key: "connect",
    name: `new connections (${PARALLEL} in parallel, 1 round trip)`,
    run: (p) => connectRate(p, PARALLEL, SECONDS),
  },
];
const SERVERS = [
  { key: "socketkit", name: "socketkit Socket", file: "./servers/socketkit-echo.ts" },
  { key: "framework", name: "socketkit framework", file: "./servers/framework-echo.ts" },
  { key: "node", name: "node:net", file: "./servers/node-echo.ts" },
];
/** The ratios reported for every scenario: [numerator, denominator]. */
const RATIOS: Array<[string, string]> = [
  ["socketkit", "node"],
  ["framework", "node"],
  ["framework", "socketkit"],
];

/** One server's numbers in one round. */
interface Sample extends LoadResult {
  serverCpu: number;
  clientCpu: number;
  /** CPU the rest of the machine used meanwhile, in cores: a busy machine makes rates noisy. */
  otherCpu: number;
}

async function measure(sc: Scenario, server: ServerProcess): Promise<Sample> {
  const s0 = cpuNanos(server.pid);
  const c0 = ownCpuNanos();
  const m0 = machineBusyNanos();
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${sc.name} on ${server.name} did not finish`)), SECONDS * 5000 + 20_000);
  });
  const r = await Promise.race([sc.run(server.port), watchdog]).finally(() => clearTimeout(timer));
  const ns = r.elapsed * 1e9;
  const serverCpu = (cpuNanos(server.pid) - s0) / ns;
  const clientCpu = (ownCpuNanos() - c0) / ns;
  return { ...r, serverCpu, clientCpu, otherCpu: Math.max(0, (machineBusyNanos() - m0) / ns - serverCpu - clientCpu) };
}

/** Rotates the servers' order every round and reverses it every other, so that no server always goes first. */
function orderFor<T>(items: T[], round: number): T[] {
  const k = round % items.length;
  const rotated = [...items.slice(k), ...items.slice(0, k)];
  return round % 2 === 0 ? rotated : rotated.reverse();
}

function summarize(samples: Sample[]) {
  const m = (f: (s: Sample) => number) => median(samples.map(f));
  return {
    rate: Math.round(m((s) => s.rate)),
    p50us: Math.round(m((s) => s.p50)),
    p99us: Math.round(m((s) => s.p99)),
    serverCpu: Number(m((s) => s.serverCpu).toFixed(3)),
    clientCpu: Number(m((s) => s.clientCpu).toFixed(3)),
    serverCpuPerOpUs: Number(m((s) => (s.serverCpu * 1e6) / s.rate).toFixed(2)),
    clientCpuPerOpUs: Number(m((s) => (s.clientCpu * 1e6) / s.rate).toFixed(2)),
    otherCpu: Number(m((s) => s.otherCpu).toFixed(2)),
    rates: samples.map((s) => Math.round(s.rate)),
  };
}
type Summary = ReturnType<typeof summarize>;

/**
 * Three views of each ratio: of the median rates; the median of the ratios within each round (the two servers
 * measured minutes apart at most, so slow drift on the machine cancels); and of the server CPU time per
 * operation, inverted so that above 1 means the first server needs less CPU per round trip or connection.
 */
function ratiosOf(by: Record<string, Summary>, samples: Record<string, Sample[]>) {
  const of = (f: (a: string, b: string) => number) => {
    const out: Record<string, number> = {};
    for (const [a, b] of RATIOS) if (by[a] && by[b]) out[`${a}/${b}`] = Number(f(a, b).toFixed(3));
    return out;
  };
  return {
    ratios: of((a, b) => by[a]!.rate / by[b]!.rate),
    pairedRatios: of((a, b) => median(samples[a]!.map((x, i) => x.rate / samples[b]![i]!.rate))),
    cpuPerOpRatios: of((a, b) => by[b]!.serverCpuPerOpUs / by[a]!.serverCpuPerOpUs),
  };
}
type Row = { scenario: string; servers: Record<string, Summary> } & ReturnType<typeof ratiosOf>;

function printTable(rows: Row[]): void {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  console.log(
    `echo benchmark: medians of ${ROUNDS} rounds of ${SECONDS} s, Node ${process.version}${PIN ? ", client on CPU 0, servers on CPU 1" : ", not pinned"}\n`,
  );
  const head = ["rate/s", "p50 µs", "p99 µs", "srv CPU", "cli CPU", "srv µs/op", "cli µs/op", "others"];
  console.log("".padEnd(26) + head.map((h) => h.padStart(10)).join(""));
  for (const row of rows) {
    console.log(row.scenario);
    for (const s of SERVERS) {
      const x = row.servers[s.key];
      if (!x) continue;
      const cells = [
        x.rate,
        x.p50us,
        x.p99us,
        pct(x.serverCpu),
        pct(x.clientCpu),
        x.serverCpuPerOpUs.toFixed(1),
        x.clientCpuPerOpUs.toFixed(1),
        pct(x.otherCpu),
      ];
      console.log(`  ${s.name.padEnd(24)}` + cells.map((c) => String(c).padStart(10)).join(""));
    }
  }
  const saturated = rows.flatMap((r) =>
    Object.entries(r.servers)
      .filter(([, x]) => x.clientCpu >= 0.9)
      .map(([k]) => `${r.scenario} (${k})`),
  );
  if (saturated.length > 0)
    console.log(`\nthe client used 90% of its CPU or more, so it may have limited: ${saturated.join("; ")}`);
  const views = [
    ["ratios of the median rates", "ratios"],
    ["medians of the ratios within each round", "pairedRatios"],
    ["server CPU per op, inverted (>1: first is cheaper)", "cpuPerOpRatios"],
  ] as const;
  for (const [title, key] of views) {
    console.log(`\n${title}`.padEnd(50) + RATIOS.map(([a, b]) => `${a}/${b}`.padStart(21)).join(""));
    for (const row of rows) {
      console.log(
        row.scenario.padEnd(49) +
          RATIOS.map(([a, b]) => (row[key][`${a}/${b}`]?.toFixed(3) ?? "-").padStart(21)).join(""),
      );
    }
  }
}

async function main(): Promise<void> {
  const scenarios = SCENARIOS.filter((s) => opts.scenarios.split(",").includes(s.key));
  const chosen = SERVERS.filter((s) => opts.servers.split(",").includes(s.key));
  const flags = opts["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", opts["cpu-prof"]] : [];
  const servers: Array<ServerProcess & { key: string }> = [];
  try {
    for (const s of chosen) {
      const argv = [process.execPath, ...flags, "--import", "tsx", new URL(s.file, import.meta.url).pathname];
      servers.push({
        key: s.key,
        ...(await startServer(s.name, argv, { portPattern: /^(\d+)$/m, cpu: PIN ? 1 : undefined })),
      });
    }
    // Let every server's code get compiled before anything is timed.
    if (Number(opts.warmup) > 0) for (const s of servers) await pingPong(s.port, 50, Number(opts.warmup));
    const rows: Row[] = [];
    for (const sc of scenarios) {
      const samples: Record<string, Sample[]> = Object.fromEntries(servers.map((s) => [s.key, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const s of orderFor(servers, round)) samples[s.key]!.push(await measure(sc, s));
      }
      const by = Object.fromEntries(servers.map((s) => [s.key, summarize(samples[s.key]!)]));
      rows.push({ scenario: sc.name, servers: by, ...ratiosOf(by, samples) });
    }
    if (opts.json)
      console.log(
        JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, node: process.version, pinned: PIN, rows }, null, 2),
      );
    else printTable(rows);
  } finally {
    await Promise.all(servers.map((s) => stopServer(s)));
  }
}

await main();
