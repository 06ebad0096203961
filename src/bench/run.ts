// One run of socketkit bench against one target: open the connections, drive them for the duration, and report
// throughput, latency percentiles, errors and starved connections (those that completed no round trip at all).

import { connectLoop, PingPong, type ReplyRule, type RunState, type Target } from "./connections.js";
import { Latency, type LatencySummary } from "./latency.js";

export type Mode = "pingpong" | "connect";

export interface LoadSpec {
  target: Target;
  mode: Mode;
  /** Connections (ping-pong) or parallel connect loops. */
  connections: number;
  /** Seconds of measurement. */
  duration: number;
  /** Bytes per request; with `line`, the last one is a newline. */
  size: number;
  /** `echo`: the reply is as long as the request; `line`: it ends at a newline (request/response servers). */
  reply: ReplyRule;
}

export interface LoadResult {
  target: string;
  mode: Mode;
  connections: number;
  size: number;
  /** Seconds the measured window lasted. */
  elapsed: number;
  /** Round trips (ping-pong) or connections (connect) completed. */
  ops: number;
  rate: number;
  /** Request bytes per second, one way. */
  bytesPerSecond: number;
  latencyUs: LatencySummary;
  errors: number;
  /** Ping-pong connections that completed no round trip in the window. */
  starved: number;
}

export interface Progress {
  elapsed: number;
  ops: number;
  /** Round trips per second over the last interval. */
  rate: number;
  errors: number;
}

/** The request: `size` bytes of 'a', ending in a newline for the `line` rule. */
export function requestOf(size: number, reply: ReplyRule): Buffer {
  const message = Buffer.alloc(size, 0x61);
  if (reply === "line") message[size - 1] = 0x0a;
  return message;
}

export function targetName(t: Target): string {
  return `${t.host}:${t.port}`;
}

/**
 * Drives `spec.target` for `spec.duration` seconds and resolves with what it measured; `onProgress` is called
 * about once a second.
 * @throws Error when a ping-pong connection cannot be opened at all (no server there).
 */
export async function runLoad(spec: LoadSpec, onProgress?: (p: Progress) => void): Promise<LoadResult> {
  const message = requestOf(spec.size, spec.reply);
  const state: RunState = { latency: new Latency(), end: Infinity, errors: 0, recent: 0 };
  const peers =
    spec.mode === "pingpong"
      ? Array.from({ length: spec.connections }, () => new PingPong(spec.target, message, spec.reply, state))
      : [];
  try {
    await Promise.all(peers.map((p) => p.connect()));
    const started = performance.now();
    state.end = started + spec.duration * 1000;
    const ticker = progress(state, started, onProgress);
    try {
      if (spec.mode === "pingpong") await Promise.all(peers.map((p) => p.run()));
      else
        await Promise.all(
          Array.from({ length: spec.connections }, () => connectLoop(spec.target, message, spec.reply, state)),
        );
    } finally {
      clearInterval(ticker);
    }
    const elapsed = (performance.now() - started) / 1000;
    const ops = state.latency.count;
    return {
      target: targetName(spec.target),
      mode: spec.mode,
      connections: spec.connections,
      size: spec.size,
      elapsed,
      ops,
      rate: ops / elapsed,
      bytesPerSecond: (ops * spec.size) / elapsed,
      latencyUs: state.latency.summary(),
      errors: state.errors,
      starved: peers.filter((p) => p.done === 0).length,
    };
  } finally {
    for (const p of peers) p.close();
  }
}

function progress(state: RunState, started: number, onProgress?: (p: Progress) => void): NodeJS.Timeout | undefined {
  if (onProgress === undefined) return undefined;
  let last = started;
  return setInterval(() => {
    const now = performance.now();
    onProgress({
      elapsed: (now - started) / 1000,
      ops: state.latency.count,
      rate: state.recent / ((now - last) / 1000),
      errors: state.errors,
    });
    state.recent = 0;
    last = now;
  }, 1000);
}
