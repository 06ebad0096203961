// Process-based concurrency as an outside client sees it: socketkit's ForkingTCPServer (2 workers) against its
// ThreadingTCPServer, compiled to JavaScript on plain node and under `node --import tsx`, with Python's
// ForkingTCPServer and ThreadingTCPServer on the same workload beside them (servers/cpu-server.ts, cpu_server.py),
// all unpinned on this machine's cores:
//  - CPU-bound: an outside python3 client (servers/cpu_client.py, one selectors loop) opens 8 connections and
//    sends 100 request lines on each, one at a time; each line costs the server ~2 ms of hashing. Requests per
//    second = 800 / the time until the last reply. Every round starts every server afresh and runs the client
//    twice against it: the "first run" right after the server said it is ready (socketkit's forking server says
//    so once its warm pool's workers are up: "ready ms" shows that cost), the "second run" on the same server.
//    "Cores used" is the server's CPU time (its workers and children included) per second of the second run.
//  - Blocking: one client's request holds its handler's thread for 1 s; a second client, arriving 100 ms later,
//    measures how long its own request takes.
// Rounds rotate the order of the servers; medians are reported, with the machine's load average beside them.
//
//   npx tsx bench/forking.ts [--rounds 5] [--requests 100] [--json]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { orderFor } from "../src/bench/compare.js";
import { median } from "./lib/stats.js";
import { memoryOf, requireFreshBuild, startServer, stopServer } from "./lib/processes.js";
import { benchArgs } from "./lib/args.js";

const { values: opts } = benchArgs(import.meta.url, {
  rounds: { type: "string", default: "5" },
  clients: { type: "string", default: "8" },
  requests: { type: "string", default: "100" },
  json: { type: "boolean", default: false },
});
requireFreshBuild();
const ROUNDS = Number(opts.rounds);
const CLIENTS = Number(opts.clients);
const REQUESTS = Number(opts.requests);

const here = (file: string) => new URL(file, import.meta.url).pathname;

/** cpu-server.ts as JavaScript, importing the compiled package: how a user runs a built program. */
function compiledServer(dir: string): string {
  const source = readFileSync(here("./servers/cpu-server.ts"), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const dist = pathToFileURL(here("../dist/index.js")).href;
  const path = join(dir, "cpu-server.mjs");
  writeFileSync(path, outputText.replace('"../../dist/index.js"', JSON.stringify(dist)));
  return path;
}

interface Kind {
  key: string;
  name: string;
  argv: string[];
  language: "sk" | "py";
}

function kinds(compiled: string): Kind[] {
  const tsx = (kind: string) => [process.execPath, "--import", "tsx", here("./servers/cpu-server.ts"), kind, "2"];
  const node = (kind: string) => [process.execPath, compiled, kind, "2"];
  const py = (kind: string) => ["python3", here("./servers/cpu_server.py"), kind];
  return [
    { key: "sk-forking", name: "socketkit Forking (2 workers), node", argv: node("forking"), language: "sk" },
    { key: "sk-threading", name: "socketkit Threading, node", argv: node("threading"), language: "sk" },
    { key: "sk-forking-tsx", name: "socketkit Forking (2 workers), tsx", argv: tsx("forking"), language: "sk" },
    { key: "sk-threading-tsx", name: "socketkit Threading, tsx", argv: tsx("threading"), language: "sk" },
    { key: "py-forking", name: "Python ForkingTCPServer", argv: py("forking"), language: "py" },
    { key: "py-threading", name: "Python ThreadingTCPServer", argv: py("threading"), language: "py" },
  ];
}

/** Runs the outside client; resolves with the seconds it printed. */
function client(port: number, connections: number, requests: number, line = "work"): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = [here("./servers/cpu_client.py"), String(port), String(connections), String(requests), line];
    const child = spawn("python3", args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(watchdog);
      if (code === 0) resolve(Number(out.trim()));
      else reject(new Error(`the client against port ${port} exited with ${code ?? signal}`));
    });
  });
}

const TICKS_PER_SECOND = 100;

/** CPU seconds used by `pid` and its descendants, living or reaped (utime + stime + cutime + cstime). */
function treeCpu(pid: number): number {
  let ticks: number;
  let children: number[];
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    children = childrenOf(pid);
  } catch {
    return 0; // gone between the listing and the read
  }
  return ticks / TICKS_PER_SECOND + children.reduce((sum, child) => sum + treeCpu(child), 0);
}

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

/** The worker processes of a socketkit forking server: its children running cpu-server (tsx may start esbuild). */
function workersOf(pid: number): number[] {
  return childrenOf(pid).filter((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").includes("cpu-server"));
}

/** Milliseconds a second client's request takes while a first client's handler blocks its thread for 1 s. */
async function besideBlocked(port: number): Promise<number> {
  const blocked = client(port, 1, 1, "block");
  await new Promise((r) => setTimeout(r, 100));
  const seconds = await client(port, 1, 1);
  await blocked;
  return seconds * 1000;
}

interface RoundResult {
  readyMs: number;
  workersMs: number | null;
  first: number;
  second: number;
  cores: number;
  blockedMs: number;
  workerRssMiB: number[];
  /** The server's CPU (workers included) per request, in ms, over the first and the second run. */
  firstCpuMs: number;
  secondCpuMs: number;
}

/** One server started afresh: ready time, the first and second run, the blocking scenario, its workers' RSS. */
async function oneServer(kind: Kind, env: Record<string, string>): Promise<RoundResult & { iterations: string }> {
  const t0 = performance.now();
  const s = await startServer(kind.name, kind.argv, { portPattern: /^(\d+) (\d+)(?: (\d+))?$/m, env });
  try {
    const readyMs = performance.now() - t0;
    const cpuStart = treeCpu(s.pid);
    const first = (CLIENTS * REQUESTS) / (await client(s.port, CLIENTS, REQUESTS));
    const cpu0 = treeCpu(s.pid);
    const seconds = await client(s.port, CLIENTS, REQUESTS);
    const cpu1 = treeCpu(s.pid);
    const cores = (cpu1 - cpu0) / seconds;
    const cpuMs = [cpu0 - cpuStart, cpu1 - cpu0].map((c) => (c * 1000) / (CLIENTS * REQUESTS));
    const workerRssMiB = kind.key.startsWith("sk-forking") ? workersOf(s.pid).map((p) => memoryOf(p).rss / 1024) : [];
    const blockedMs = await besideBlocked(s.port);
    const workersMs = s.announced[2] === undefined || !kind.key.includes("forking") ? null : Number(s.announced[2]);
    const second = (CLIENTS * REQUESTS) / seconds;
    const [firstCpuMs, secondCpuMs] = cpuMs as [number, number];
    const r = { readyMs, workersMs, first, second, cores, blockedMs, workerRssMiB, firstCpuMs, secondCpuMs };
    return { ...r, iterations: s.announced[1]! };
  } finally {
    await stopServer(s);
  }
}

/**
 * What two processes reach on this machine at all: two independent ThreadingTCPServers (node), each given half
 * the connections, after a first run each; requests per second of the second run. Forking cannot beat it; how
 * close it comes is the pool's own cost.
 */
async function twoProcesses(kind: Kind, env: Record<string, string>): Promise<number> {
  const pattern = /^(\d+) (\d+)(?: (\d+))?$/m;
  const servers = await Promise.all([1, 2].map(() => startServer(kind.name, kind.argv, { portPattern: pattern, env })));
  try {
    const both = () => Promise.all(servers.map((s) => client(s.port, CLIENTS / 2, REQUESTS)));
    await both();
    return (CLIENTS * REQUESTS) / Math.max(...(await both()));
  } finally {
    await Promise.all(servers.map((s) => stopServer(s)));
  }
}

const load = () => loadavg()[0]!.toFixed(2);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "socketkit-forking-bench-"));
  try {
    const all = kinds(compiledServer(dir));
    const results = new Map<string, RoundResult[]>(all.map((k) => [k.key, []]));
    const loads: string[] = [load()];
    const pairs: number[] = [];
    // The two servers of a language must do the same work per request, or their ratio measures two calibrations:
    // the first one of a language calibrates, every later one is given its count.
    const calibrated: Partial<Record<Kind["language"], string>> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of orderFor(all, round)) {
        const count = calibrated[kind.language];
        const r = await oneServer(kind, count ? { CPU_SERVER_ITERATIONS: count } : {});
        calibrated[kind.language] ??= r.iterations;
        results.get(kind.key)!.push(r);
      }
      pairs.push(
        await twoProcesses(
          all.find((k) => k.key === "sk-threading")!,
          { CPU_SERVER_ITERATIONS: calibrated.sk! },
        ),
      );
      loads.push(load());
      if (!opts.json) console.error(`round ${round + 1}/${ROUNDS} done, load average ${load()}`);
    }
    report(all, results, { loads, pairs, calibrated });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Results = Map<string, RoundResult[]>;

function summary(all: Kind[], results: Results) {
  const med = (key: string, pick: (r: RoundResult) => number) => median(results.get(key)!.map(pick));
  const rows = all.map((k) => ({
    server: k.name,
    readyMs: Math.round(med(k.key, (r) => r.readyMs)),
    workersReadyMs: k.key.includes("sk-forking") ? Math.round(med(k.key, (r) => r.workersMs ?? NaN)) : null,
    firstReqPerSec: Math.round(med(k.key, (r) => r.first)),
    secondReqPerSec: Math.round(med(k.key, (r) => r.second)),
    coresUsed: Number(med(k.key, (r) => r.cores).toFixed(2)),
    firstCpuMsPerRequest: Number(med(k.key, (r) => r.firstCpuMs).toFixed(2)),
    secondCpuMsPerRequest: Number(med(k.key, (r) => r.secondCpuMs).toFixed(2)),
    besideBlockedMs: Number(med(k.key, (r) => r.blockedMs).toFixed(1)),
    workerRssMiB: k.key.startsWith("sk-forking") ? Number(med(k.key, (r) => median(r.workerRssMiB)).toFixed(1)) : null,
  }));
  const ratio = (a: string, b: string, run: "first" | "second") => {
    const perRound = results.get(a)!.map((x, i) => x[run] / results.get(b)![i]![run]);
    return { median: Number(median(perRound).toFixed(2)), perRound: perRound.map((x) => Number(x.toFixed(2))) };
  };
  const pairs = [
    ["socketkit forking/threading, node", "sk-forking", "sk-threading"],
    ["socketkit forking/threading, tsx", "sk-forking-tsx", "sk-threading-tsx"],
    ["python forking/threading", "py-forking", "py-threading"],
  ] as const;
  const ratios = pairs.flatMap(([label, a, b]) => [
    { ratio: `${label}, first run`, ...ratio(a, b, "first") },
    { ratio: `${label}, second run`, ...ratio(a, b, "second") },
  ]);
  return { rows, ratios };
}

interface Extras {
  loads: string[];
  /** Requests per second of two ThreadingTCPServer processes together, by round. */
  pairs: number[];
  calibrated: Record<string, string | undefined>;
}

function report(all: Kind[], results: Results, { loads, pairs, calibrated }: Extras) {
  const { rows, ratios } = summary(all, results);
  const threading = results.get("sk-threading")!.map((r) => r.second);
  const ceiling = pairs.map((x, i) => Number((x / threading[i]!).toFixed(2)));
  ratios.push({ ratio: "2 threading processes/threading, node (ceiling)", median: median(ceiling), perRound: ceiling });
  if (opts.json) {
    const out = { rounds: ROUNDS, clients: CLIENTS, requests: REQUESTS, loadAverages: loads, rows, ratios };
    return console.log(JSON.stringify(out, null, 2));
  }
  console.log(
    `CPU-bound handler (~2 ms hashing per request), outside python3 client: ${CLIENTS} connections × ${REQUESTS}` +
      ` requests one at a time each; every server started afresh each round; medians of ${ROUNDS} alternating` +
      ` rounds, unpinned; 1-minute load average before and after each round: ${loads.join(" ")}\n`,
  );
  const head = ["server", "ready", "workers", "1st req/s", "2nd req/s", "1st cpu", "2nd cpu", "cores", "blocked"];
  const widths = [38, 7, 9, 10, 10, 9, 9, 7, 9, 8];
  const line = (cells: Array<string | number | null>) =>
    cells.map((c, i) => String(c ?? "-")[i ? "padStart" : "padEnd"](widths[i]!)).join("");
  console.log(line([...head, "MiB"]));
  for (const r of rows) {
    const [a, b] = [r.firstCpuMsPerRequest, r.secondCpuMsPerRequest];
    const speed = [r.firstReqPerSec, r.secondReqPerSec, a.toFixed(2), b.toFixed(2), r.coresUsed.toFixed(2)];
    console.log(line([r.server, r.readyMs, r.workersReadyMs, ...speed, r.besideBlockedMs, r.workerRssMiB]));
  }
  console.log(
    "(ready: ms from starting the process to its ready line; workers: ms from serveForever() to its warm pool" +
      "\n ready; cpu: the server's CPU ms per request, workers included, in the first and the second run; cores:" +
      "\n CPU seconds per second of the second run; blocked: ms a request takes beside a handler blocked for 1 s;" +
      "\n MiB: resident set of one worker after the runs)",
  );
  console.log(`(64-byte blocks hashed per request: socketkit ${calibrated.sk}, Python ${calibrated.py})\n`);
  for (const r of ratios)
    console.log(`${r.ratio.padEnd(52)}${r.median.toFixed(2)}   by round: ${r.perRound.join(" ")}`);
}

await main();
