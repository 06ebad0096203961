// `socketkit bench`: a load generator for TCP echo and request/response servers. This file parses the options and
// renders the results; the load itself is src/bench (runLoad, compare).

import { parseArgs } from "node:util";
import { compare, type Comparison } from "../bench/compare.js";
import { runLoad, targetName, type LoadResult, type LoadSpec, type Mode, type Progress } from "../bench/run.js";
import type { ReplyRule, Target } from "../bench/connections.js";
import { UsageError } from "./messages.js";
import { parseCount, parsePort } from "./options.js";

export const benchHelp = `Usage: socketkit bench [options] TARGET [TARGET...]

Drives TCP servers on loopback and reports throughput, latency percentiles (HdrHistogram), errors and starved
connections. TARGET is PORT or HOST:PORT; with two or more targets they run in alternating rounds (A B, B A, …)
and the medians are compared as ratios to the first.
  --mode          pingpong (default): each connection sends a message and waits for the whole reply, again and
                  again; connect: loops of connect, one round trip, close (new connections per second)
  -c, --connections  connections, or parallel connect loops (default 50)
  -d, --duration  seconds each run measures (default 5)
  -s, --size      bytes per message (default 64)
  --reply         echo (default): the reply is as long as the message; line: the message ends with a newline
                  and the reply ends at one (request/response servers such as socketkit serve)
  --rounds        runs per target (default 1, or 5 when comparing)
  --warmup        seconds of untimed load on each target first (default 1)
  --json          print the results as JSON`;

function parseTarget(text: string): Target {
  const at = text.lastIndexOf(":");
  if (at < 0) return { host: "127.0.0.1", port: parsePort(text, "TARGET") };
  return { host: text.slice(0, at) || "127.0.0.1", port: parsePort(text.slice(at + 1), "TARGET") };
}

function parseSeconds(text: string, option: string): number {
  const n = Number(text);
  if (!(n >= 0) || !Number.isFinite(n)) throw new UsageError(`${option} must be a number of seconds ≥ 0, got ${text}`);
  return n;
}

function choice<T extends string>(text: string, option: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text))
    throw new UsageError(`${option} must be one of ${allowed.join(", ")}, got ${text}`);
  return text as T;
}

/** Live progress on a terminal: one line on stderr, rewritten each second. */
function progressLine(enabled: boolean) {
  return (label: string, p: Progress | null) => {
    if (!enabled) return;
    if (p === null) return process.stderr.write(`\r\x1b[K${label}: connecting…`);
    process.stderr.write(
      `\r\x1b[K${label}: ${p.elapsed.toFixed(0)} s, ${p.ops} done, ${Math.round(p.rate)}/s now, ${p.errors} errors`,
    );
  };
}

function renderOne(r: LoadResult): string {
  const l = r.latencyUs;
  const unit = r.mode === "pingpong" ? "round trips" : "connections";
  return [
    `${r.target}  ${r.mode}, ${r.connections} ${r.mode === "pingpong" ? "connections" : "loops"}, ${r.size} B, ${r.elapsed.toFixed(2)} s`,
    `  ${Math.round(r.rate)} ${unit}/s  (${(r.bytesPerSecond / 1e6).toFixed(2)} MB/s each way)`,
    `  latency µs  min ${l.min}  p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}`,
    `  errors ${r.errors}  starved connections ${r.starved}`,
  ].join("\n");
}

function renderComparison(c: Comparison, rounds: number): string {
  const lines = [
    `medians of ${rounds} alternating rounds`,
    `${"target".padEnd(24)}${"rate/s".padStart(12)}${"p50 µs".padStart(10)}${"p99 µs".padStart(10)}${"errors".padStart(8)}${"starved".padStart(9)}`,
  ];
  for (const t of c.targets) {
    lines.push(
      `${t.target.padEnd(24)}${String(Math.round(t.rate)).padStart(12)}${String(t.p50us).padStart(10)}${String(t.p99us).padStart(10)}${String(t.errors).padStart(8)}${String(t.starved).padStart(9)}`,
    );
  }
  for (const [key, ratio] of Object.entries(c.ratios)) {
    const each = c.roundRatios[key]!.map((x) => x.toFixed(2)).join(" ");
    lines.push(`ratio ${key}: ${ratio.toFixed(3)}  (rounds: ${each})`);
  }
  return lines.join("\n");
}

export async function bench(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      mode: { type: "string", default: "pingpong" },
      connections: { type: "string", short: "c", default: "50" },
      duration: { type: "string", short: "d", default: "5" },
      size: { type: "string", short: "s", default: "64" },
      reply: { type: "string", default: "echo" },
      rounds: { type: "string" },
      warmup: { type: "string", default: "1" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(benchHelp);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("give a target: PORT or HOST:PORT (try --help)");
  const targets = positionals.map(parseTarget);
  const spec: Omit<LoadSpec, "target"> = {
    mode: choice<Mode>(values.mode, "--mode", ["pingpong", "connect"]),
    connections: parseCount(values.connections, "--connections", 1),
    duration: parseSeconds(values.duration, "--duration"),
    size: parseCount(values.size, "--size", 1),
    reply: choice<ReplyRule>(values.reply, "--reply", ["echo", "line"]),
  };
  const rounds = parseCount(values.rounds ?? (targets.length > 1 ? "5" : "1"), "--rounds", 1);
  const warmup = parseSeconds(values.warmup, "--warmup");
  const show = progressLine(process.stderr.isTTY === true && !values.json);
  try {
    for (const target of targets) if (warmup > 0) await runLoad({ ...spec, target, duration: warmup });
    const comparison = await compare(targets, spec, rounds, (round, target, p) =>
      show(`round ${round + 1}/${rounds} ${targetName(target)}`, p),
    );
    if (process.stderr.isTTY && !values.json) process.stderr.write("\r\x1b[K");
    if (values.json) console.log(JSON.stringify({ ...spec, rounds, ...comparison }, null, 2));
    else if (targets.length === 1 && rounds === 1) console.log(renderOne(comparison.targets[0]!.rounds[0]!));
    else console.log(renderComparison(comparison, rounds));
  } catch (err) {
    if (err instanceof Error && "code" in err && typeof err.code === "string" && err.code.startsWith("E")) {
      throw new UsageError(`cannot load ${positionals.join(", ")}: ${err.message}`, { cause: err });
    }
    throw err;
  }
  return 0;
}
