// Idle-connection benchmark: 10,000 connections held open to `socketkit serve` (the real CLI server) and to a
// node:net echo server. For each server it reports descriptors and memory per connection, from /proc: the
// growth of /proc/PID/fd, of VmRSS, and of PSS and Private_Dirty (smaps_rollup); then, after the server ran
// full garbage collections (lib/heap-probe.ts, loaded into every server), its RSS again and V8's own figures,
// which tell live per-connection objects from garbage. Each is measured with the connections accepted and idle,
// then after one 64-byte exchange on every connection. Rounds alternate the servers, each round on a fresh
// server. Every child is stopped by PID, on failure and on the time limit too.
//
//   npx tsx bench/idle.ts                               # 10,000 connections, 3 rounds
//   npx tsx bench/idle.ts --connections 2000 --rounds 1 --json
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { fileURLToPath } from "node:url";
import {
  requireFreshBuild,
  SOCKETKIT_BIN,
  fdCount,
  memoryOf,
  ownNofileLimit,
  startServer,
  stopServer,
  type Memory,
  type ServerProcess,
} from "./lib/processes.js";
import { median } from "./lib/stats.js";
import { benchArgs } from "./lib/args.js";

const { values: opts } = benchArgs(import.meta.url, {
  connections: { type: "string", default: "10000" },
  rounds: { type: "string", default: "3" },
  /** Connects in flight at once: below both servers' listen backlog, so that no SYN waits for a retransmission. */
  concurrency: { type: "string", default: "256" },
  /** Loopback source addresses to spread the clients over (127.0.0.1, 127.0.0.2, …), for many connections. */
  sources: { type: "string", default: "1" },
  settle: { type: "string", default: "1" },
  /** Extra seconds to wait after the exchange: V8 keeps pages it grew into for a burst for up to ~30 s. */
  linger: { type: "string", default: "0" },
  timeout: { type: "string", default: "600" },
  /** Which servers: socketkit (serve), node, and for diagnosis bare (Socket echo) and framework (echo). */
  servers: { type: "string", default: "socketkit,node" },
  json: { type: "boolean", default: false },
});
requireFreshBuild();
const N = Number(opts.connections);
const SOURCES = Number(opts.sources);
// Descriptors for every process: N sockets, and room for a server that would need two per connection. Only the
// soft limit is raised (within the hard one): no system-wide setting is touched.
const LIMIT = ownNofileLimit();
const NOFILE = Math.min(LIMIT.hard, 2 * N + 1024);
if (NOFILE < N + 256) {
  console.error(
    `idle benchmark: ${N} connections need about ${N + 256} descriptors per process; the hard limit is ${LIMIT.hard}`,
  );
  process.exit(2);
}
// The client side holds N sockets: give this process the descriptors for them, by running it again under prlimit.
if (LIMIT.soft < N + 256) {
  const self = [process.execPath, "--import", "tsx", fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  const r = spawnSync("prlimit", [`--nofile=${NOFILE}:`, "--", ...self], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
// A bound on the whole run: the exit handler in lib/processes.ts then stops every server still running.
setTimeout(
  () => {
    console.error(`idle benchmark: gave up after ${opts.timeout} s`);
    process.exit(1);
  },
  Number(opts.timeout) * 1000,
).unref();

const ALL_SERVERS = [
  {
    key: "socketkit",
    name: "socketkit serve",
    argv: [
      SOCKETKIT_BIN,
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--lang",
      "en",
      "--reply-prefix",
      "",
      "--max-connections",
      "0",
    ],
    portPattern: /127\.0\.0\.1:(\d+) \(backlog/,
  },
  {
    key: "node",
    name: "node:net",
    argv: [fileURLToPath(new URL("./servers/node-echo.ts", import.meta.url))],
    portPattern: /^(\d+)$/m,
  },
  // For telling the costs apart: the bare Socket echo and the framework echo of bench/echo.ts.
  {
    key: "bare",
    name: "socketkit Socket echo",
    argv: [fileURLToPath(new URL("./servers/socketkit-echo.ts", import.meta.url))],
    portPattern: /^(\d+)$/m,
  },
  {
    key: "framework",
    name: "socketkit framework echo",
    argv: [fileURLToPath(new URL("./servers/framework-echo.ts", import.meta.url))],
    portPattern: /^(\d+)$/m,
  },
];
const SERVERS = ALL_SERVERS.filter((s) => opts.servers.split(",").includes(s.key));
if (!SERVERS.some((s) => s.key === "node")) throw new Error("--servers must include node (the reference)");
const MESSAGE = Buffer.alloc(64, 0x61);

/** Opens `count` connections, `concurrency` handshakes at a time. */
async function openConnections(port: number, count: number): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const localAddress = SOURCES > 1 ? `127.0.0.${1 + (i % SOURCES)}` : undefined;
      socks.push(
        await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ port, host: "127.0.0.1", localAddress, noDelay: true }, () => resolve(s));
          s.once("error", reject);
        }),
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(count, Number(opts.concurrency)) }, worker));
  } catch (err) {
    for (const s of socks) s.destroy();
    throw err;
  }
  return socks;
}

/** The accept queue of the listener on 127.0.0.1:`port`, from /proc/net/tcp (rx_queue of a LISTEN socket). */
function acceptQueue(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === "0A") return parseInt(f[4]!.split(":")[1]!, 16);
  }
  return -1;
}

async function until(what: string, test: () => boolean, ms = 60_000): Promise<void> {
  const end = performance.now() + ms;
  while (!test()) {
    if (performance.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** One 64-byte round trip on every connection, all at once; resolves when every echo is back. */
function exchangeAll(socks: net.Socket[]): Promise<void> {
  return Promise.all(
    socks.map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          let got = 0;
          const onData = (d: Buffer) => {
            got += d.length;
            if (got >= MESSAGE.length) {
              s.off("data", onData);
              s.pause();
              resolve();
            }
          };
          s.on("data", onData);
          s.once("error", reject);
          s.write(MESSAGE);
        }),
    ),
  ).then(() => undefined);
}

/** A process's memory at one moment: as the kernel sees it, then after full GCs as V8 sees it (bytes → KiB). */
interface Snapshot {
  fds: number;
  mem: Memory;
  afterGc: HeapProbe;
}

interface HeapProbe {
  seq: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

const PROBE_DIR = mkdtempSync(join(tmpdir(), "socketkit-idle-"));
process.on("exit", () => rmSync(PROBE_DIR, { recursive: true, force: true }));
let probeSeq = 0;

/** Asks the server's heap probe (lib/heap-probe.ts) to collect garbage and report; waits for its answer. */
async function probeHeap(server: ServerProcess, file: string): Promise<HeapProbe> {
  rmSync(file, { force: true });
  const seq = ++probeSeq;
  process.kill(server.pid, "SIGUSR2");
  let probe: HeapProbe | null = null;
  await until(
    `${server.name} answered the heap probe`,
    () => {
      if (!existsSync(file)) return false;
      probe = JSON.parse(readFileSync(file, "utf8")) as HeapProbe;
      return true;
    },
    10_000,
  );
  if (probe === null) throw new Error(`heap probe ${seq} gave nothing`);
  return probe;
}

async function snapshot(server: ServerProcess, file: string): Promise<Snapshot> {
  const fds = fdCount(server.pid);
  const mem = memoryOf(server.pid);
  return { fds, mem, afterGc: await probeHeap(server, file) };
}

/** Per connection, from two snapshots: descriptors, and KiB of memory. */
interface PerConnection {
  fds: number;
  rss: number;
  pss: number;
  privateDirty: number;
  gcRss: number;
  heapTotal: number;
  jsHeap: number;
  external: number;
}
const COLUMNS: Array<[keyof PerConnection, string]> = [
  ["fds", "fds"],
  ["rss", "RSS"],
  ["pss", "PSS"],
  ["privateDirty", "Priv.Dirty"],
  ["gcRss", "GC'd RSS"],
  ["heapTotal", "V8 heap"],
  ["jsHeap", "JS heap"],
  ["external", "external"],
];

function perConnection(a: Snapshot, b: Snapshot): PerConnection {
  const kib = (x: number) => x / 1024 / N;
  return {
    fds: (b.fds - a.fds) / N,
    rss: (b.mem.rss - a.mem.rss) / N,
    pss: (b.mem.pss - a.mem.pss) / N,
    privateDirty: (b.mem.privateDirty - a.mem.privateDirty) / N,
    gcRss: kib(b.afterGc.rss - a.afterGc.rss),
    heapTotal: kib(b.afterGc.heapTotal - a.afterGc.heapTotal),
    jsHeap: kib(b.afterGc.heapUsed - a.afterGc.heapUsed),
    external: kib(b.afterGc.external - a.afterGc.external),
  };
}

interface RoundResult {
  idle: PerConnection;
  exchanged: PerConnection;
  acceptSeconds: number;
}

/** One round on a fresh server: baseline, N idle connections, then one exchange on each. */
async function round(spec: (typeof SERVERS)[number]): Promise<RoundResult> {
  const probeFile = join(PROBE_DIR, `${spec.key}.json`);
  const probe = fileURLToPath(new URL("./lib/heap-probe.ts", import.meta.url));
  const argv = [process.execPath, "--expose-gc", "--import", "tsx", "--import", probe, ...spec.argv];
  const server = await startServer(spec.name, argv, {
    portPattern: spec.portPattern,
    nofile: NOFILE,
    env: { BENCH_HEAP_PROBE: probeFile },
  });
  let socks: net.Socket[] = [];
  try {
    await sleep(Number(opts.settle));
    const base = await snapshot(server, probeFile);
    const t0 = performance.now();
    socks = await openConnections(server.port, N);
    await until(
      `${spec.name} has accepted ${N} connections`,
      () => fdCount(server.pid) - base.fds >= N && acceptQueue(server.port) === 0,
    );
    const acceptSeconds = (performance.now() - t0) / 1000;
    await sleep(Number(opts.settle));
    const idle = perConnection(base, await snapshot(server, probeFile));
    await exchangeAll(socks);
    await sleep(Number(opts.settle) + Number(opts.linger));
    const exchanged = perConnection(base, await snapshot(server, probeFile));
    return { idle, exchanged, acceptSeconds };
  } finally {
    for (const s of socks) s.destroy();
    await stopServer(server);
  }
}

function summarize(rounds: PerConnection[]): PerConnection {
  const out = {} as PerConnection;
  for (const [key] of COLUMNS) out[key] = Number(median(rounds.map((p) => p[key])).toFixed(key === "fds" ? 3 : 2));
  return out;
}

function printTable(results: Record<string, { idle: PerConnection; exchanged: PerConnection }>): void {
  console.log(
    `${N} idle connections per server, medians of ${opts.rounds} rounds, per connection: descriptors, and memory in KiB`,
  );
  console.log(
    "(RSS, PSS, Priv.Dirty as /proc shows them; then, after the server ran full GCs: its RSS, V8's heap (heapTotal),",
  );
  console.log(" the live objects in it (JS heap: heapUsed), and memory Buffers hold outside it (external))\n");
  console.log("".padEnd(26) + COLUMNS.map(([, h]) => h.padStart(11)).join(""));
  const row = (name: string, p: PerConnection, digits: number) =>
    console.log(name.padEnd(26) + COLUMNS.map(([k]) => p[k].toFixed(digits).padStart(11)).join(""));
  for (const phase of ["idle", "exchanged"] as const) {
    console.log(phase === "idle" ? "connected, idle" : "after one 64-byte exchange each");
    for (const s of SERVERS) row(`  ${s.name}`, results[s.key]![phase], 2);
    const peer = results.node![phase];
    for (const s of SERVERS.filter((x) => x.key !== "node")) {
      const mine = results[s.key]![phase];
      const cells = COLUMNS.map(([k]) =>
        (Math.abs(peer[k]) < 0.05 ? "-" : (mine[k] / peer[k]).toFixed(3)).padStart(11),
      );
      console.log(`  ratio ${s.key}/node`.padEnd(26) + cells.join(""));
    }
  }
}

async function main(): Promise<void> {
  const samples: Record<string, RoundResult[]> = Object.fromEntries(SERVERS.map((s) => [s.key, []]));
  for (let r = 0; r < Number(opts.rounds); r++) {
    for (const spec of r % 2 === 0 ? SERVERS : [...SERVERS].reverse()) samples[spec.key]!.push(await round(spec));
  }
  const results = Object.fromEntries(
    SERVERS.map((s) => [
      s.key,
      {
        idle: summarize(samples[s.key]!.map((x) => x.idle)),
        exchanged: summarize(samples[s.key]!.map((x) => x.exchanged)),
        acceptSeconds: Number(median(samples[s.key]!.map((x) => x.acceptSeconds)).toFixed(2)),
      },
    ]),
  );
  if (opts.json)
    console.log(
      JSON.stringify({ connections: N, rounds: Number(opts.rounds), node: process.version, results, samples }, null, 2),
    );
  else printTable(results);
}

await main();
process.exit(0);
