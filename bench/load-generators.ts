// Is socketkit bench's load generator (src/bench) at least as strong as bench/lib/load.ts, the client of
// `npm run bench`? Both drive the same node:net echo server (bench/servers/node-echo.ts) in alternating rounds;
// the one that completes more round trips (or connections) per second drives the server harder, and the client
// CPU per operation says which has more headroom. Each measurement runs in a fresh process, after a warm-up of its
// own. Pinned as bench/echo.ts pins (--no-pin to let them roam). On a shared machine single rounds scatter by
// ±20%; the median of the per-round ratios (each pair ran back to back) is the figure to read.
//
//   npx tsx bench/load-generators.ts [--rounds 8] [--seconds 2] [--json]
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { canPin, pinProcess, startServer, stopServer } from "./lib/processes.js";
import { median } from "./lib/stats.js";

const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "8" },
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
const run = promisify(execFile);

interface Sample {
  rate: number;
  cpuUs: number;
}

/**
 * One measurement in a fresh process (bench/lib/load-generator-run.ts), as each generator runs when it is used:
 * run side by side in one process, the two shared a heap and a JIT, and whichever came second paid for the first.
 */
async function measured(which: "old" | "new", mode: string, connections: number, port: number): Promise<Sample> {
  const argv = [
    process.execPath,
    "--import",
    "tsx",
    new URL("./lib/load-generator-run.ts", import.meta.url).pathname,
    which,
    mode,
    String(connections),
    String(SECONDS),
    String(port),
  ];
  const cmd = PIN ? ["taskset", "-c", "0", ...argv] : argv;
  const { stdout } = await run(cmd[0]!, cmd.slice(1));
  return JSON.parse(stdout) as Sample;
}

const SCENARIOS: Array<{ name: string; mode: string; connections: number }> = [
  { name: "ping-pong 64 B, 1 connection", mode: "pingpong", connections: 1 },
  { name: "ping-pong 64 B, 50 connections", mode: "pingpong", connections: 50 },
  { name: "ping-pong 64 B, 500 connections", mode: "pingpong", connections: 500 },
  { name: "new connections, 16 in parallel", mode: "connect", connections: 16 },
];

const server = await startServer(
  "node:net echo",
  [process.execPath, "--import", "tsx", new URL("./servers/node-echo.ts", import.meta.url).pathname],
  { portPattern: /^(\d+)$/m, cpu: PIN ? 1 : undefined },
);
try {
  const rows = [];
  for (const sc of SCENARIOS) {
    const old: Sample[] = [];
    const now: Sample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        old.push(await measured("old", sc.mode, sc.connections, server.port));
        now.push(await measured("new", sc.mode, sc.connections, server.port));
      } else {
        now.push(await measured("new", sc.mode, sc.connections, server.port));
        old.push(await measured("old", sc.mode, sc.connections, server.port));
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
      medianRoundRatio: Number(median(now.map((x, i) => x.rate / old[i]!.rate)).toFixed(3)),
      clientCpuUsPerOp: { npmRunBench: cpu(old), socketkitBench: cpu(now) },
    });
  }
  if (opts.json) console.log(JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, pinned: PIN, rows }, null, 2));
  else {
    console.log(
      `load generators against one node:net echo, medians of ${ROUNDS} alternating rounds of ${SECONDS} s, ${PIN ? "client on CPU 0, server on CPU 1" : "unpinned"}\n`,
    );
    console.log(
      `${"".padEnd(34)}${"bench/lib/load".padStart(15)}${"socketkit bench".padStart(16)}${"ratio".padStart(7)}${"median pair ratio".padStart(18)}${"client CPU µs/op (old, new)".padStart(29)}   ratio per round`,
    );
    for (const r of rows) {
      const cpuCell = `${r.clientCpuUsPerOp.npmRunBench} ${r.clientCpuUsPerOp.socketkitBench}`;
      console.log(
        `${r.scenario.padEnd(34)}${String(r.npmRunBench).padStart(15)}${String(r.socketkitBench).padStart(16)}${r.ratio.toFixed(3).padStart(7)}${r.medianRoundRatio.toFixed(3).padStart(18)}${cpuCell.padStart(29)}   ${r.roundRatios.join(" ")}`,
      );
    }
  }
} finally {
  await stopServer(server);
}
