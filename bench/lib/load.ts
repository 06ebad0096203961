// The benchmarks' load: 64-byte echo ping-pong and connect-rate rounds against a port, on socketkit bench's own
// load generator (src/bench) or on the C one (bench/c/loadgen.c), in the shape the benchmark scripts tabulate.
import { spawn } from "node:child_process";
import { runLoad, type LoadResult as BenchResult, type Mode } from "../../src/bench/run.js";

/** One round's result. */
export interface LoadResult {
  /** Completed round trips (or connections) per second. */
  rate: number;
  /** Latency of one round trip (or of connect + round trip), microseconds. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Seconds the measured window lasted. */
  elapsed: number;
  /** CPU the load generator used in the window, in nanoseconds, when it runs in a process of its own. */
  clientCpuNanos?: number;
}

export const MESSAGE_SIZE = 64;

/** Where the load comes from: this process (socketkit bench's generator) or the C generator at `path`. */
export type Generator = { kind: "node" } | { kind: "c"; path: string };

const NODE: Generator = { kind: "node" };

function shaped(r: BenchResult, mode: Mode, clientCpuNanos?: number): LoadResult {
  if (r.errors > 0 && mode === "pingpong") throw new Error("the server closed a connection during the round");
  const l = r.latencyUs;
  return { rate: r.rate, p50: l.p50, p99: l.p99, p999: l.p999, max: l.max, elapsed: r.elapsed, clientCpuNanos };
}

/** One run of the C generator; its report has socketkit bench's fields, and its own CPU time in the window. */
function runC(path: string, port: number, mode: Mode, connections: number, seconds: number): Promise<LoadResult> {
  const args = ["--port", String(port), "--mode", mode, "-c", String(connections), "-d", String(seconds)];
  const child = spawn(path, [...args, "-s", String(MESSAGE_SIZE)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`the C load generator exited with ${code}`));
      const r = JSON.parse(out) as BenchResult & { cpuSeconds: number };
      resolve(shaped(r, mode, r.cpuSeconds * 1e9));
    });
  });
}

async function run(
  gen: Generator,
  port: number,
  mode: Mode,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  if (gen.kind === "c") return runC(gen.path, port, mode, connections, seconds);
  const target = { host: "127.0.0.1", port };
  const r = await runLoad({ target, mode, connections, duration: seconds, size: MESSAGE_SIZE, reply: "echo" });
  return shaped(r, mode);
}

/** Round trips per second over `connections` connections, each doing 64-byte ping-pong for `seconds`. */
export function pingPong(port: number, connections: number, seconds: number, gen = NODE): Promise<LoadResult> {
  return run(gen, port, "pingpong", connections, seconds);
}

/** New connections per second: `parallel` loops of connect, one round trip, close, for `seconds`. */
export function connectRate(port: number, parallel: number, seconds: number, gen = NODE): Promise<LoadResult> {
  return run(gen, port, "connect", parallel, seconds);
}
