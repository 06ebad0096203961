// Is socketkit bench's load generator (src/bench) at least as strong as bench/lib/load.ts, the client of
// `npm run bench`? Both drive the same node:net echo server (bench/servers/node-echo.ts) in alternating rounds;
// the one that completes more round trips (or connections) per second drives the server harder, and the client
// CPU per operation says which has more headroom. Pinned as bench/echo.ts pins (--no-pin to let them roam).
//
//   npx tsx bench/load-generators.ts [--rounds 5] [--seconds 2] [--json]
import { parseArgs } from "node:util";
import { connectRate, pingPong, type LoadResult } from "./lib/load.js";
import * as skbench from "./lib/socketkit-bench-load.js";
import { canPin, pinProcess, startServer, stopServer } from "./lib/processes.js";
import { median } from "./lib/stats.js";

const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "2" },
    json: { type: "boolean", default: false },
    "no-pin": { type: "boolean", default: false },
  },
});
// As bench/echo.ts: the load generators on CPU 0, the server on CPU 1, when there are two cores and taskset.
const PIN = canPin(opts["no-pin"]);
if (PIN) pinProcess(process.pid, 0);
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);

type Run = (port: number) => Promise<LoadResult>;

/** Runs one measurement and adds the client's own CPU time per operation, in microseconds. */
async function measured(run: Run, port: number): Promise<{ rate: number; cpuUs: number }> {
  const c0 = process.cpuUsage();
  const r = await run(port);
  const c = process.cpuUsage(c0);
  return { rate: r.rate, cpuUs: (c.user + c.system) / (r.rate * r.elapsed) };
}
const SCENARIOS: Array<{ name: string; old: Run; now: Run }> = [
  {
    name: "ping-pong 64 B, 1 connection",
    old: (p) => pingPong(p, 1, SECONDS),
    now: (p) => skbench.pingPong(p, 1, SECONDS),
  },
  {
    name: "ping-pong 64 B, 50 connections",
    old: (p) => pingPong(p, 50, SECONDS),
    now: (p) => skbench.pingPong(p, 50, SECONDS),
  },
  {
    name: "ping-pong 64 B, 500 connections",
    old: (p) => pingPong(p, 500, SECONDS),
    now: (p) => skbench.pingPong(p, 500, SECONDS),
  },
  {
    name: "new connections, 16 in parallel",
    old: (p) => connectRate(p, 16, SECONDS),
    now: (p) => skbench.connectRate(p, 16, SECONDS),
  },
];

const server = await startServer(
  "node:net echo",
  [process.execPath, "--import", "tsx", new URL("./servers/node-echo.ts", import.meta.url).pathname],
  { portPattern: /^(\d+)$/m, cpu: PIN ? 1 : undefined },
);
try {
  const rows = [];
  for (const sc of SCENARIOS) {
    await sc.old(server.port);
    await sc.now(server.port);
    const old: Array<{ rate: number; cpuUs: number }> = [];
    const now: Array<{ rate: number; cpuUs: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        old.push(await measured(sc.old, server.port));
        now.push(await measured(sc.now, server.port));
      } else {
        now.push(await measured(sc.now, server.port));
        old.push(await measured(sc.old, server.port));
      }
    }
    const rate = (xs: typeof old) => median(xs.map((x) => x.rate));
    const cpu = (xs: typeof old) => Number(median(xs.map((x) => x.cpuUs)).toFixed(2));
    rows.push({
      scenario: sc.name,
      npmRunBench: Math.round(rate(old)),
      socketkitBench: Math.round(rate(now)),
      ratio: Number((rate(now) / rate(old)).toFixed(3)),
      roundRatios: now.map((x, i) => Number((x.rate / old[i]!.rate).toFixed(2))),
      clientCpuUsPerOp: { npmRunBench: cpu(old), socketkitBench: cpu(now) },
    });
  }
  if (opts.json) console.log(JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, pinned: PIN, rows }, null, 2));
  else {
    console.log(
      `load generators against one node:net echo, medians of ${ROUNDS} alternating rounds of ${SECONDS} s, ${PIN ? "client on CPU 0, server on CPU 1" : "unpinned"}\n`,
    );
    console.log(
      `${"".padEnd(34)}${"bench/lib/load".padStart(15)}${"socketkit bench".padStart(16)}${"ratio".padStart(7)}${"client CPU µs/op (old, new)".padStart(29)}   ratio per round`,
    );
    for (const r of rows) {
      const cpuCell = `${r.clientCpuUsPerOp.npmRunBench} ${r.clientCpuUsPerOp.socketkitBench}`;
      console.log(
        `${r.scenario.padEnd(34)}${String(r.npmRunBench).padStart(15)}${String(r.socketkitBench).padStart(16)}${r.ratio.toFixed(3).padStart(7)}${cpuCell.padStart(29)}   ${r.roundRatios.join(" ")}`,
      );
    }
  }
} finally {
  await stopServer(server);
}
