// Process-based concurrency: socketkit's ForkingTCPServer (2 workers) against its ThreadingTCPServer, with
// Python's ForkingTCPServer and ThreadingTCPServer on the same workload beside them (bench/servers/cpu-server.ts
// and cpu_server.py), all unpinned on this machine's cores:
//  - CPU-bound: 8 clients each send 100 request lines one after another; each line costs the server ~2 ms of
//    hashing. Requests per second = 800 / the time until the last reply.
//    "Cores used" is the server's CPU time (its workers and children included) per second of the run: on a
//    machine shared with other work it shows whether the server could use both cores when the rate cannot.
//    Beside them, two independent ThreadingTCPServer processes each serving 4 of the clients: what two processes
//    reach on this machine at all (two busy cores share caches and, in a VM, perhaps a physical core).
//  - Blocking: one client's request holds its handler's thread for 1 s; a second client, arriving 100 ms later,
//    measures how long its own request takes.
// Rounds rotate the order of the servers; medians are reported.
//
//   npx tsx bench/forking.ts [--rounds 7] [--requests 100] [--json]
import { readFileSync } from "node:fs";
import net from "node:net";
import { parseArgs } from "node:util";
import { orderFor } from "../src/bench/compare.js";
import { median } from "./lib/stats.js";
import { requireFreshBuild, startServer, stopServer, type ServerProcess } from "./lib/processes.js";

requireFreshBuild();

const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    clients: { type: "string", default: "8" },
    requests: { type: "string", default: "100" },
    json: { type: "boolean", default: false },
  },
});
const ROUNDS = Number(opts.rounds);
const CLIENTS = Number(opts.clients);
const REQUESTS = Number(opts.requests);

const here = (file: string) => new URL(file, import.meta.url).pathname;
const tsServer = (kind: string) => [process.execPath, "--import", "tsx", here("./servers/cpu-server.ts"), kind, "2"];
const pyServer = (kind: string) => ["python3", here("./servers/cpu_server.py"), kind];
const PAIR = "sk-threading-pair";
const SERVERS = [
  { key: "sk-forking", name: "socketkit ForkingTCPServer (2 workers)", argv: tsServer("forking") },
  { key: "sk-threading", name: "socketkit ThreadingTCPServer", argv: tsServer("threading") },
  // What two processes can do on this machine at all: two independent servers, each serving half the clients
  // (the first server above and one more). Forking cannot beat it; how close it comes is the pool's own cost.
  { key: "sk-threading-pair", name: "2 × ThreadingTCPServer, 4 clients each", argv: tsServer("threading") },
  { key: "py-forking", name: "Python ForkingTCPServer", argv: pyServer("forking") },
  { key: "py-threading", name: "Python ThreadingTCPServer", argv: pyServer("threading") },
];

/** A line client: sends each request line and waits for its reply line. */
class LineClient {
  private pending: (() => void) | null = null;
  private buffered = "";
  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      this.buffered += d;
      if (this.buffered.includes("\n") && this.pending) {
        this.buffered = this.buffered.slice(this.buffered.indexOf("\n") + 1);
        const done = this.pending;
        this.pending = null;
        done();
      }
    });
  }

  static open(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => resolve(new LineClient(sock)));
      sock.once("error", reject);
    });
  }

  request(line: string): Promise<void> {
    return new Promise((resolve) => {
      this.pending = resolve;
      this.sock.write(`${line}\n`);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

const TICKS_PER_SECOND = 100;

/** CPU seconds used by `pid` and its descendants, living or reaped (utime + stime + cutime + cstime). */
function treeCpu(pid: number): number {
  let ticks: number;
  let children: string[];
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  } catch {
    return 0; // gone between the listing and the read
  }
  return ticks / TICKS_PER_SECOND + children.reduce((sum, child) => sum + treeCpu(Number(child)), 0);
}

/**
 * 8 clients × 100 requests at once, the clients spread over `targets` in turn; resolves with requests per second
 * and the CPU the targets used per wall second.
 */
async function cpuBound(targets: Array<{ port: number; pid: number }>): Promise<{ rate: number; cores: number }> {
  const cpuOf = () => targets.reduce((sum, t) => sum + treeCpu(t.pid), 0);
  const t0 = performance.now();
  const cpu0 = cpuOf();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const c = await LineClient.open(targets[i % targets.length]!.port);
      for (let r = 0; r < REQUESTS; r++) await c.request("work");
      c.close();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { rate: (CLIENTS * REQUESTS) / seconds, cores: (cpuOf() - cpu0) / seconds };
}

/** Milliseconds a second client's request takes while a first client's handler blocks its thread for 1 s. */
async function besideBlocked(port: number): Promise<number> {
  const blocker = await LineClient.open(port);
  const blocked = blocker.request("block");
  await new Promise((r) => setTimeout(r, 100));
  const other = await LineClient.open(port);
  const t0 = performance.now();
  await other.request("work");
  const ms = performance.now() - t0;
  await blocked;
  blocker.close();
  other.close();
  return ms;
}

async function main(): Promise<void> {
  const servers: Array<ServerProcess & { key: string; iterations: string }> = [];
  try {
    // The two servers of a language must do the same work per request, or their ratio measures two calibrations:
    // the first one calibrates, its sibling is given the same count.
    const calibrated: Record<string, string> = {};
    for (const s of SERVERS) {
      const language = s.key.slice(0, 2);
      const env: Record<string, string> = calibrated[language] ? { CPU_SERVER_ITERATIONS: calibrated[language] } : {};
      const started = await startServer(s.name, s.argv, { portPattern: /^(\d+) (\d+)$/m, env });
      const iterations = started.announced[1]!;
      calibrated[language] ??= iterations;
      servers.push({ ...started, key: s.key, iterations });
    }
    // Warm-up: every server's workers started and its code compiled before anything is timed.
    for (const s of servers) await cpuBound([s]);
    const rates: Record<string, number[]> = Object.fromEntries(servers.map((s) => [s.key, []]));
    const cores: Record<string, number[]> = Object.fromEntries(servers.map((s) => [s.key, []]));
    const waits: Record<string, number[]> = Object.fromEntries(servers.map((s) => [s.key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of orderFor(servers, round)) {
        const r = await cpuBound(s.key === PAIR ? [s, servers.find((t) => t.key === "sk-threading")!] : [s]);
        rates[s.key]!.push(r.rate);
        cores[s.key]!.push(r.cores);
      }
      for (const s of orderFor(servers, round)) if (s.key !== PAIR) waits[s.key]!.push(await besideBlocked(s.port));
    }
    const rows = servers.map((s) => ({
      server: s.name,
      hashesPerRequest: Number(s.iterations),
      reqPerSec: Math.round(median(rates[s.key]!)),
      allRates: rates[s.key]!.map(Math.round),
      coresUsed: Number(median(cores[s.key]!).toFixed(2)),
      besideBlockedMs: s.key === PAIR ? null : Number(median(waits[s.key]!).toFixed(1)),
    }));
    const ratio = (a: string, b: string) => Number((median(rates[a]!) / median(rates[b]!)).toFixed(2));
    const perRound = (a: string, b: string) => rates[a]!.map((x, i) => Number((x / rates[b]![i]!).toFixed(2)));
    const ratios = {
      "socketkit forking/threading": ratio("sk-forking", "sk-threading"),
      "socketkit forking/threading per round": perRound("sk-forking", "sk-threading"),
      "two processes/threading (the ceiling)": ratio(PAIR, "sk-threading"),
      "socketkit forking/two processes": ratio("sk-forking", PAIR),
      "python forking/threading": ratio("py-forking", "py-threading"),
      "socketkit forking/python forking": ratio("sk-forking", "py-forking"),
    };
    if (opts.json)
      return console.log(
        JSON.stringify({ rounds: ROUNDS, clients: CLIENTS, requests: REQUESTS, rows, ratios }, null, 2),
      );
    console.log(
      `CPU-bound handler (~2 ms hashing per request, ${CLIENTS} clients × ${REQUESTS} requests), medians of ${ROUNDS} alternating rounds, unpinned\n`,
    );
    console.log(
      `${"server".padEnd(40)}${"req/s".padStart(8)}${"cores used".padStart(12)}${"beside a 1 s block, ms".padStart(25)}   req/s by round`,
    );
    for (const r of rows)
      console.log(
        `${r.server.padEnd(40)}${String(r.reqPerSec).padStart(8)}${r.coresUsed.toFixed(2).padStart(12)}${String(r.besideBlockedMs ?? "-").padStart(25)}   ${r.allRates.join(" ")}`,
      );
    console.log("(cores used: the server's CPU seconds, workers and children included, per second of the run)");
    console.log(
      `(64-byte blocks hashed per request: ${rows.map((r) => `${r.server} ${r.hashesPerRequest}`).join(", ")})`,
    );
    console.log();
    for (const [k, v] of Object.entries(ratios)) console.log(`${k}: ${Array.isArray(v) ? v.join(" ") : v}`);
  } finally {
    await Promise.all(servers.map((s) => stopServer(s)));
  }
}

await main();
