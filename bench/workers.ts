// `socketkit serve --workers`: one process against two, the two ways of sharing the port (SO_REUSEPORT, the
// default, and the inherited listener), and a node:cluster echo with two workers, measured by socketkit bench's load generator
// (src/bench) in alternating rounds, unpinned. serve runs with --reply-prefix '' (a plain echo) and its log,
// one line per message, goes to /dev/null.
//
//   npx tsx bench/workers.ts [--rounds 5] [--seconds 3] [--json]
import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import { compare, type Comparison } from "../src/bench/compare.js";
import type { LoadSpec } from "../src/bench/run.js";
import {
  connectable,
  freePort,
  requireFreshBuild,
  SOCKETKIT_BIN,
  startServer,
  stopServer,
  type ServerProcess,
} from "./lib/processes.js";
import { benchArgs } from "./lib/args.js";

const { values: opts } = benchArgs(import.meta.url, {
  rounds: { type: "string", default: "5" },
  seconds: { type: "string", default: "3" },
  json: { type: "boolean", default: false },
});
requireFreshBuild();
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const ROOT = new URL("..", import.meta.url).pathname;

interface Running {
  name: string;
  port: number;
  stop: () => Promise<void>;
}

async function startServe(name: string, args: string[]): Promise<Running> {
  const port = await freePort();
  const devnull = openSync("/dev/null", "w");
  const child: ChildProcess = spawn(
    process.execPath,
    [SOCKETKIT_BIN, "serve", "--host", "127.0.0.1", "--port", String(port), "--reply-prefix", "", ...args],
    {
      cwd: ROOT,
      stdio: ["ignore", devnull, "inherit"],
    },
  );
  // Every worker must be up before the first round, or one process would take all the load.
  await connectable(port, name);
  await new Promise((r) => setTimeout(r, 3000));
  return {
    name,
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function startCluster(): Promise<Running> {
  const s: ServerProcess = await startServer(
    "node:cluster",
    [process.execPath, "--import", "tsx", new URL("./servers/cluster-echo.ts", import.meta.url).pathname, "2"],
    { portPattern: /^(\d+)$/m },
  );
  return { name: s.name, port: s.port, stop: () => stopServer(s) };
}

const SCENARIOS: Array<[string, Omit<LoadSpec, "target">]> = [
  ["ping-pong 64 B, 50 connections", { mode: "pingpong", connections: 50, duration: SECONDS, size: 64, reply: "echo" }],
  [
    "ping-pong 64 B, 500 connections",
    { mode: "pingpong", connections: 500, duration: SECONDS, size: 64, reply: "echo" },
  ],
  ["new connections, 16 loops", { mode: "connect", connections: 16, duration: SECONDS, size: 64, reply: "echo" }],
];

async function main(): Promise<void> {
  const servers: Running[] = [];
  try {
    servers.push(await startServe("serve --workers 1", ["--workers", "1"]));
    servers.push(await startServe("serve --workers 2 (reuseport)", ["--workers", "2", "--share", "reuseport"]));
    servers.push(await startServe("serve --workers 2 --share inherit", ["--workers", "2", "--share", "inherit"]));
    servers.push(await startCluster());
    const targets = servers.map((s) => ({ host: "127.0.0.1", port: s.port }));
    const names = new Map(servers.map((s) => [`127.0.0.1:${s.port}`, s.name]));
    const rows: Array<{ scenario: string; result: Comparison }> = [];
    for (const [scenario, spec] of SCENARIOS) {
      await compare(targets, { ...spec, duration: 1 }, 1); // warm-up
      rows.push({ scenario, result: await compare(targets, spec, ROUNDS) });
    }
    const named = (key: string) =>
      key
        .split("/")
        .map((t) => names.get(t) ?? t)
        .join(" / ");
    if (opts.json) {
      return console.log(
        JSON.stringify(
          rows.map((r) => ({
            scenario: r.scenario,
            servers: r.result.targets.map((t) => ({ ...t, name: names.get(t.target), rounds: undefined })),
            ratios: Object.fromEntries(Object.entries(r.result.ratios).map(([k, v]) => [named(k), v])),
          })),
          null,
          2,
        ),
      );
    }
    console.log(
      `serve --workers: medians of ${ROUNDS} alternating rounds of ${SECONDS} s, unpinned, socketkit bench's load generator\n`,
    );
    for (const { scenario, result } of rows) {
      console.log(scenario);
      for (const t of result.targets)
        console.log(
          `  ${names.get(t.target)!.padEnd(38)}${String(Math.round(t.rate)).padStart(9)}/s  p50 ${t.p50us} µs  p99 ${t.p99us} µs  errors ${t.errors}  starved ${t.starved}`,
        );
      for (const [k, v] of Object.entries(result.ratios))
        console.log(
          `  ratio ${named(k)}: ${v.toFixed(2)}  (rounds ${result.roundRatios[k]!.map((x) => x.toFixed(2)).join(" ")})`,
        );
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

await main();
