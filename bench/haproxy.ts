// Round trips per second through HAProxy (send-proxy-v2) to one and to two socketkit framework echo instances
// (bench/servers/framework-echo.ts with the PROXY protocol on), against direct connections to one instance, in the
// same run: rounds alternate the order of the routes and the medians are reported. HAProxy runs with the
// balancing settings of docs/deploy/haproxy.cfg.
//
//   npx tsx bench/haproxy.ts                           # 5 rounds of 2 s per scenario and route
//   npx tsx bench/haproxy.ts --rounds 3 --seconds 1 --json
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectRate, pingPong, type LoadResult } from "./lib/load.js";
import {
  connectable,
  freePort,
  requireFreshBuild,
  startServer,
  stopServer,
  type ServerProcess,
} from "./lib/processes.js";
import { median } from "./lib/stats.js";
import { benchArgs } from "./lib/args.js";

const { values: opts } = benchArgs(import.meta.url, {
  rounds: { type: "string", default: "5" },
  seconds: { type: "string", default: "2" },
  json: { type: "boolean", default: false },
});
requireFreshBuild();
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);

if (spawnSync("haproxy", ["-v"]).status !== 0) {
  console.error("bench/haproxy.ts needs HAProxy (apt-get install haproxy).");
  process.exit(3);
}

const SCENARIOS: Array<{ key: string; name: string; run: (port: number) => Promise<LoadResult> }> = [
  { key: "pp1", name: "ping-pong 64 B, 1 connection", run: (p) => pingPong(p, 1, SECONDS) },
  { key: "pp50", name: "ping-pong 64 B, 50 connections", run: (p) => pingPong(p, 50, SECONDS) },
  { key: "connect", name: "new connections, 16 in parallel, 1 round trip", run: (p) => connectRate(p, 16, SECONDS) },
];

const echo = (name: string, proxy: boolean) =>
  startServer(
    name,
    [process.execPath, "--import", "tsx", new URL("./servers/framework-echo.ts", import.meta.url).pathname],
    {
      portPattern: /^(\d+)$/m,
      env: { PROXY: proxy ? "1" : "0" },
    },
  );

/** HAProxy with two frontends: one to instance a, one balancing over a and b. */
function haproxyConfig(one: number, two: number, a: number, b: number): string {
  return `global
    maxconn 8192
defaults
    mode tcp
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
frontend one
    bind 127.0.0.1:${one}
    default_backend one
frontend two
    bind 127.0.0.1:${two}
    default_backend two
backend one
    default-server send-proxy-v2 check no-check-send-proxy inter 1s
    server a 127.0.0.1:${a}
backend two
    balance roundrobin
    default-server send-proxy-v2 check no-check-send-proxy inter 1s
    server a 127.0.0.1:${a}
    server b 127.0.0.1:${b}
`;
}

const dir = mkdtempSync(join(tmpdir(), "socketkit-bench-haproxy-"));
const servers: ServerProcess[] = [];
let haproxy: ReturnType<typeof spawn> | null = null;
/** Ends HAProxy by its PID, once. */
function stopHaproxy(): void {
  const child = haproxy;
  haproxy = null;
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
process.on("exit", () => {
  stopHaproxy();
  rmSync(dir, { recursive: true, force: true });
});

try {
  const direct = await echo("direct", false);
  const a = await echo("proxied a", true);
  const b = await echo("proxied b", true);
  servers.push(direct, a, b);
  const one = await freePort();
  const two = await freePort();
  writeFileSync(join(dir, "haproxy.cfg"), haproxyConfig(one, two, a.port, b.port));
  haproxy = spawn("haproxy", ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: ["ignore", "ignore", "inherit"] });
  await Promise.all([connectable(one, "haproxy"), connectable(two, "haproxy")]);
  const routes = [
    { key: "direct", name: "direct to 1 instance", port: direct.port },
    { key: "haproxy1", name: "HAProxy → 1 instance", port: one },
    { key: "haproxy2", name: "HAProxy → 2 instances", port: two },
  ];
  const samples = new Map<string, number[]>();
  for (const s of SCENARIOS) for (const r of routes) await s.run(r.port).catch(() => null); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? routes : [...routes].reverse();
    for (const s of SCENARIOS) {
      for (const r of order) {
        const result = await s.run(r.port);
        const key = `${s.key}/${r.key}`;
        samples.set(key, [...(samples.get(key) ?? []), result.rate]);
      }
    }
  }
  const rows = SCENARIOS.map((s) => {
    const rate = (r: string) => median(samples.get(`${s.key}/${r}`)!);
    return { scenario: s.name, direct: rate("direct"), haproxy1: rate("haproxy1"), haproxy2: rate("haproxy2") };
  });
  if (opts.json) console.log(JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, rows }, null, 2));
  else {
    console.log(`median of ${ROUNDS} rounds × ${SECONDS} s, operations per second (ratio to direct)`);
    console.log(
      `${"scenario".padEnd(48)}${"direct".padStart(10)}${"HAProxy→1".padStart(20)}${"HAProxy→2".padStart(20)}`,
    );
    for (const r of rows) {
      const cell = (v: number) => `${Math.round(v)} (${(v / r.direct).toFixed(2)})`.padStart(20);
      console.log(
        `${r.scenario.padEnd(48)}${String(Math.round(r.direct)).padStart(10)}${cell(r.haproxy1)}${cell(r.haproxy2)}`,
      );
    }
  }
} finally {
  stopHaproxy();
  for (const s of servers) await stopServer(s);
}
