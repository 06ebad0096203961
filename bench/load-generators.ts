// Is socketkit bench's load generator (src/bench) at least as strong as bench/lib/load.ts, the client of
// `npm run bench`? Both drive the same node:net echo server (bench/servers/node-echo.ts) in alternating rounds;
// the one that completes more round trips (or connections) per second drives the server harder. Unpinned.
//
//   npx tsx bench/load-generators.ts [--rounds 5] [--seconds 2] [--json]
import { parseArgs } from "node:util";
import { runLoad } from "../src/bench/run.js";
import { connectRate, pingPong, type LoadResult } from "./lib/load.js";
import { startServer, stopServer } from "./lib/processes.js";
import { median } from "./lib/stats.js";

const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "2" },
    json: { type: "boolean", default: false },
  },
});
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);

type Run = (port: number) => Promise<LoadResult>;
const target = (port: number) => ({ host: "127.0.0.1", port });
const skbench = (mode: "pingpong" | "connect", connections: number): Run => async (port) => {
  const r = await runLoad({ target: target(port), mode, connections, duration: SECONDS, size: 64, reply: "echo" });
  return { rate: r.rate, p50: r.latencyUs.p50, p99: r.latencyUs.p99, elapsed: r.elapsed };
};
const SCENARIOS: Array<{ name: string; old: Run; now: Run }> = [
  { name: "ping-pong 64 B, 1 connection", old: (p) => pingPong(p, 1, SECONDS), now: skbench("pingpong", 1) },
  { name: "ping-pong 64 B, 50 connections", old: (p) => pingPong(p, 50, SECONDS), now: skbench("pingpong", 50) },
  { name: "ping-pong 64 B, 500 connections", old: (p) => pingPong(p, 500, SECONDS), now: skbench("pingpong", 500) },
  { name: "new connections, 16 in parallel", old: (p) => connectRate(p, 16, SECONDS), now: skbench("connect", 16) },
];

const server = await startServer("node:net echo", [process.execPath, "--import", "tsx", new URL("./servers/node-echo.ts", import.meta.url).pathname], { portPattern: /^(\d+)$/m });
try {
  const rows = [];
  for (const sc of SCENARIOS) {
    await sc.old(server.port);
    await sc.now(server.port);
    const old: number[] = [];
    const now: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        old.push((await sc.old(server.port)).rate);
        now.push((await sc.now(server.port)).rate);
      } else {
        now.push((await sc.now(server.port)).rate);
        old.push((await sc.old(server.port)).rate);
      }
    }
    rows.push({
      scenario: sc.name,
      npmRunBench: Math.round(median(old)),
      socketkitBench: Math.round(median(now)),
      ratio: Number((median(now) / median(old)).toFixed(3)),
      roundRatios: now.map((x, i) => Number((x / old[i]!).toFixed(2))),
    });
  }
  if (opts.json) console.log(JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, rows }, null, 2));
  else {
    console.log(`load generators against one node:net echo, medians of ${ROUNDS} alternating rounds of ${SECONDS} s, unpinned\n`);
    console.log(`${"".padEnd(36)}${"bench/lib/load".padStart(16)}${"socketkit bench".padStart(17)}${"ratio".padStart(8)}   rounds`);
    for (const r of rows) console.log(`${r.scenario.padEnd(36)}${String(r.npmRunBench).padStart(16)}${String(r.socketkitBench).padStart(17)}${r.ratio.toFixed(3).padStart(8)}   ${r.roundRatios.join(" ")}`);
  }
} finally {
  await stopServer(server);
}
