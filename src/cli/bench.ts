// `socketkit bench`: a load generator for TCP echo and request/response servers. This file parses the options and
// renders the results; the load itself is src/bench (runLoad, compare).

import { parseArgs } from "node:util";
import { compare, plannedSeconds, type Comparison, type RunEvent } from "../bench/compare.js";
import { runLoad, targetName, type LoadResult, type LoadSpec, type Mode } from "../bench/run.js";
import type { ReplyRule, Target } from "../bench/connections.js";
import { UsageError } from "./messages.js";
import { parseCount, parsePort } from "./options.js";

/** `socketkit bench --help`. */
export const benchHelp = `Usage: socketkit bench [options] TARGET [TARGET...]

Drives TCP servers on loopback and reports throughput, latency percentiles (HdrHistogram), errors and starved
connections. TARGET is PORT or HOST:PORT; with two or more targets they run in alternating rounds (A B, B A, …)
and the medians are compared as ratios to the first.
  --mode          pingpong (default): each connection sends a message and waits for the whole reply, again and
                  again; connect: loops of connect, one round trip, close (new connections per second)
  -c, --connections  connections, or parallel connect loops (default 50)
  -d, --duration  seconds each round measures, per target (default 5): the whole run takes about
                  targets × (warmup + rounds × duration), which bench prints when it starts
  -s, --size      bytes per message (default 64)
  --reply         echo (default): the reply is as long as the message; line: the message ends with a newline
                  and the reply ends at one (request/response servers such as socketkit serve)
  --rounds        runs per target (default 1, or 5 when comparing)
  --warmup        seconds of untimed load on each target first (default 1)
  --json          print the results as JSON
On a terminal a live line on stderr shows each round (target, round, rate so far); it stays quiet with --json
or when stderr is not a terminal.`;

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

/**
 * The live lines on a terminal (stderr): the plan with its expected time, then a line per round rewritten about
 * once a second (elapsed, rate so far) and kept, with the round's rate, when it ends. Silent when disabled.
 */
function progressLines(enabled: boolean, spec: Omit<LoadSpec, "target">, rounds: number) {
  const write = (text: string) => void (enabled && process.stderr.write(text));
  const unit = spec.mode === "pingpong" ? "round trips/s" : "connections/s";
  return {
    plan: (targets: number, warmup: number) => {
      const total = plannedSeconds(targets, rounds, spec.duration, warmup);
      const each = warmup > 0 ? `, after a ${warmup} s warmup of each` : "";
      write(
        `${plural(targets, "target")} × ${plural(rounds, "round")} × ${spec.duration} s${each}: about ${Math.round(total)} s\n`,
      );
    },
    warmup: (target: Target) => write(`\r\x1b[Kwarmup ${targetName(target)}…`),
    run: (e: RunEvent) => {
      const label = `round ${e.round + 1}/${rounds}  ${targetName(e.target)}`;
      if (e.kind === "start") return write(`\r\x1b[K${label}  connecting…`);
      if (e.kind === "done")
        return write(
          `\r\x1b[K${label}  ${e.result.elapsed.toFixed(1)} s  ${Math.round(e.result.rate)} ${unit}  ${e.result.errors} errors\n`,
        );
      const p = e.progress;
      const soFar = Math.round(p.ops / Math.max(p.elapsed, 1e-3));
      write(
        `\r\x1b[K${label}  ${p.elapsed.toFixed(0)}/${spec.duration} s  ${soFar} ${unit} so far  ${p.errors} errors`,
      );
    },
    clear: () => write("\r\x1b[K"),
  };
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
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

function settings(argv: string[]) {
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
  if (values.help) return null;
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
  return { targets, given: positionals, spec, rounds, warmup, json: values.json };
}

/**
 * Runs `socketkit bench` with `argv`: warm-ups, the rounds, then the results on stdout.
 * @throws UsageError for a mistake on the command line, or (exit code 1) when a target cannot be loaded.
 */
export async function bench(argv: string[]): Promise<number> {
  const s = settings(argv);
  if (s === null) return (console.log(benchHelp), 0);
  const { targets, spec, rounds, warmup } = s;
  const show = progressLines(process.stderr.isTTY === true && !s.json, spec, rounds);
  try {
    show.plan(targets.length, warmup);
    for (const target of targets) {
      if (warmup <= 0) continue;
      show.warmup(target);
      await runLoad({ ...spec, target, duration: warmup });
    }
    const comparison = await compare(targets, spec, rounds, show.run);
    show.clear();
    if (s.json) console.log(JSON.stringify({ ...spec, rounds, ...comparison }, null, 2));
    else if (targets.length === 1 && rounds === 1) console.log(renderOne(comparison.targets[0]!.rounds[0]!));
    else console.log(renderComparison(comparison, rounds));
  } catch (err) {
    show.clear();
    if (err instanceof Error && "code" in err && typeof err.code === "string" && err.code.startsWith("E")) {
      throw new UsageError(`cannot load ${s.given.join(", ")}: ${err.message}`, { cause: err });
    }
    throw err;
  }
  return 0;
}
