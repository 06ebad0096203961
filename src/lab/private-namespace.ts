// Running an experiment in a private network namespace: its own loopback, its own sysctls and its own counters,
// removed when the process ends. Needs root (CAP_SYS_ADMIN); the host's settings are never touched.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MissingPrivilegeError } from "./result.js";

const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

export function canMakeNamespaces(): boolean {
  return process.getuid?.() === 0;
}

export interface NamespacedRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `socketkit <args>` in a fresh network namespace (loopback up, the given sysctls set there first) and
 * collects its output. The namespace disappears with the process.
 */
export function runInPrivateNetns(args: string[], sysctls: Record<string, number> = {}): Promise<NamespacedRun> {
  if (!canMakeNamespaces()) {
    throw new MissingPrivilegeError("this experiment needs root to create a private network namespace (its sysctls and counters stay inside it)");
  }
  const setup = ["ip link set lo up", ...Object.entries(sysctls).map(([k, v]) => `echo ${Number(v)} > /proc/sys/${k.replace(/\./g, "/")}`)];
  const script = `${setup.join(" && ")} && exec "$@"`;
  const child = spawn("unshare", ["--net", "--", "sh", "-c", script, "sh", process.execPath, "--import", "tsx", MAIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
