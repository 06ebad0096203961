// Running an experiment in a private network namespace: its own loopback, its own sysctls and its own counters,
// removed when the process ends. Needs root (CAP_SYS_ADMIN); the host's settings are never touched.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import { extname } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { GivenOptions } from "./experiment.js";
import type { ExperimentName, ResultOf } from "./registry.js";
import { nodeCommand } from "../process/relaunch.js";
import { requireRoot, type ExperimentResult } from "./result.js";

// The child is this file's sibling with this file's extension: .js in the published package, or .ts when running
// from source, where the child needs the loader this process was started with (nodeCommand repeats it).
const SELF = fileURLToPath(import.meta.url);
const CHILD = fileURLToPath(new URL(`./netns-child${extname(SELF)}`, import.meta.url));

/**
 * Runs lab experiment `name` with `options` (the command line's names: `hold`, `backlog`, …) in a fresh network
 * namespace (loopback up, the given sysctls set there first) and resolves with its result, typed by the
 * experiment's definition when the name is known to the compiler; `pcap` names the capture file the child writes.
 * The namespace disappears with the child process that ran it.
 * @throws MissingPrivilegeError without root; Error when the child fails.
 */
export async function runInPrivateNetns<N extends ExperimentName>(
  name: N,
  options: GivenOptions,
  sysctls?: Record<string, number>,
  pcap?: string,
): Promise<ResultOf<N>>;
export async function runInPrivateNetns(
  name: string,
  options: GivenOptions,
  sysctls?: Record<string, number>,
  pcap?: string,
): Promise<ExperimentResult>;
export async function runInPrivateNetns(
  name: string,
  options: GivenOptions,
  sysctls: Record<string, number> = {},
  pcap?: string,
): Promise<ExperimentResult> {
  requireRoot("a private network namespace (its sysctls and counters stay inside it)");
  const setup = [
    "ip link set lo up",
    ...Object.entries(sysctls).map(([k, v]) => `echo ${Number(v)} > /proc/sys/${k.replace(/\./g, "/")}`),
  ];
  const script = `${setup.join(" && ")} && exec "$@"`;
  const child = nodeCommand(CHILD, [name, JSON.stringify(options ?? {}), ...(pcap === undefined ? [] : [pcap])]);
  const command = [child.command, ...child.args];
  const run = await collect(
    spawn("unshare", ["--net", "--", "sh", "-c", script, "sh", ...command], { stdio: ["ignore", "pipe", "pipe"] }),
  );
  if (run.code !== 0) {
    throw new Error(`lab ${name} in a private network namespace exited with code ${run.code}: ${run.stderr.trim()}`);
  }
  // The child printed what the experiment called `name` returned (resultJson): the type its definition gives.
  return JSON.parse(run.stdout) as ExperimentResult;
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
