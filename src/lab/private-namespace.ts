// Running an experiment in a private network namespace: its own loopback, its own sysctls and its own counters,
// removed when the process ends. Needs root (CAP_SYS_ADMIN); the host's settings are never touched.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import { extname } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { BacklogResult } from "./experiments/backlog/run.js";
import type { EarlyCloseResult } from "./experiments/early-close/run.js";
import type { OptionValues } from "./experiment.js";
import type { HandshakeResult } from "./experiments/handshake/run.js";
import type { OverflowResult } from "./experiments/overflow/run.js";
import type { SynQueueResult } from "./experiments/synqueue/run.js";
import { nodeCommand } from "../process/relaunch.js";
import { requireRoot } from "./result.js";

// The child is this file's sibling with this file's extension: .js in the published package, or .ts when running
// from source, where the child needs the loader this process was started with (nodeCommand repeats it).
const SELF = fileURLToPath(import.meta.url);
const CHILD = fileURLToPath(new URL(`./netns-child${extname(SELF)}`, import.meta.url));

/** Each experiment's result, by the name the registry and the command line use. */
interface Results {
  handshake: HandshakeResult;
  backlog: BacklogResult;
  "early-close": EarlyCloseResult;
  overflow: OverflowResult;
  synqueue: SynQueueResult;
}
export type ExperimentName = keyof Results;

/**
 * Runs lab experiment `name` with `options` (the command line's names: `hold`, `backlog`, …) in a fresh network namespace (loopback up, the given sysctls set there
 * first) and resolves with its result. The namespace disappears with the child process that ran it.
 */
export async function runInPrivateNetns<N extends ExperimentName>(
  name: N,
  options: Partial<OptionValues>,
  sysctls: Record<string, number> = {},
): Promise<Results[N]> {
  requireRoot("a private network namespace (its sysctls and counters stay inside it)");
  const setup = [
    "ip link set lo up",
    ...Object.entries(sysctls).map(([k, v]) => `echo ${Number(v)} > /proc/sys/${k.replace(/\./g, "/")}`),
  ];
  const script = `${setup.join(" && ")} && exec "$@"`;
  const child = nodeCommand(CHILD, [name, JSON.stringify(options ?? {})]);
  const command = [child.command, ...child.args];
  const run = await collect(
    spawn("unshare", ["--net", "--", "sh", "-c", script, "sh", ...command], { stdio: ["ignore", "pipe", "pipe"] }),
  );
  if (run.code !== 0) {
    throw new Error(`lab ${name} in a private network namespace exited with code ${run.code}: ${run.stderr.trim()}`);
  }
  return JSON.parse(run.stdout) as Results[N];
}

function collect(
  child: ChildProcessByStdio<null, Readable, Readable>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
