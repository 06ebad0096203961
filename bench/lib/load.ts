// The benchmarks' load: 64-byte echo ping-pong and connect-rate rounds against a port, on socketkit bench's own
// load generator (src/bench), in the shape the benchmark scripts tabulate.
import { runLoad } from "../../src/bench/run.js";

/** One round's result. */
export interface LoadResult {
  /** Completed round trips (or connections) per second. */
  rate: number;
  /** Latency of one round trip (or of connect + round trip), microseconds. */
  p50: number;
  p99: number;
  /** Seconds the measured window lasted. */
  elapsed: number;
}

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
