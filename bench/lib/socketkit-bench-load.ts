// bench/lib/load.ts's interface (pingPong, connectRate, LoadResult) on socketkit bench's load generator
// (src/bench), so that a benchmark script moves to it by changing one import:
//   import { connectRate, pingPong, type LoadResult } from "./lib/socketkit-bench-load.js";
import { runLoad } from "../../src/bench/run.js";
import type { LoadResult } from "./load.js";

export type { LoadResult };
export const MESSAGE_SIZE = 64;

async function run(
  port: number,
  mode: "pingpong" | "connect",
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const r = await runLoad({
    target: { host: "127.0.0.1", port },
    mode,
    connections,
    duration: seconds,
    size: MESSAGE_SIZE,
    reply: "echo",
  });
  if (r.errors > 0 && mode === "pingpong") throw new Error("the server closed a connection during the round");
  return { rate: r.rate, p50: r.latencyUs.p50, p99: r.latencyUs.p99, elapsed: r.elapsed };
}

/** Round trips per second over `connections` connections, each doing 64-byte ping-pong for `seconds`. */
export function pingPong(port: number, connections: number, seconds: number): Promise<LoadResult> {
  return run(port, "pingpong", connections, seconds);
}

/** New connections per second: `parallel` loops of connect, one round trip, close, for `seconds`. */
export function connectRate(port: number, parallel: number, seconds: number): Promise<LoadResult> {
  return run(port, "connect", parallel, seconds);
}
