// Server processes for the benchmarks: started pinned to a CPU (and with a descriptor limit when asked), found
// by the port they print, measured through /proc, and always stopped by PID, even when the benchmark fails.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The socketkit command as users run it: the compiled package, on plain node. */
export const SOCKETKIT_BIN = join(ROOT, "bin", "socketkit.js");

function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Stops the benchmark with one clear sentence when dist/ is missing or older than src/: the servers run the
 * compiled package, and a stale build would be measured as if it were the code in front of you.
 */
export function requireFreshBuild(): void {
  const dist = join(ROOT, "dist");
  if (!existsSync(join(dist, "index.js")) || newestUnder(dist) < newestUnder(join(ROOT, "src"))) {
    console.error(
      "The benchmarks run the compiled package, and dist/ is missing or older than src/: run npm run build.",
    );
    process.exit(2);
  }
}

/** True when the load generator and the servers can each have a CPU of their own (two or more, and taskset). */
export function canPin(disabled: boolean): boolean {
  return !disabled && availableParallelism() >= 2 && spawnSync("taskset", ["-V"], { stdio: "ignore" }).status === 0;
}

/** Pins every thread of `pid` to `cpu`. */
export function pinProcess(pid: number, cpu: number): void {
  spawnSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" });
}

export interface ServerProcess {
  name: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** The portPattern's capture groups, the port's first: whatever else the server announced on that line. */
  announced: string[];
}

export interface StartOptions {
  /** Where the port is found in the server's stdout: the first capture group. */
  portPattern: RegExp;
  /** Run the server on this CPU (all its threads, from the start). */
  cpu?: number;
  /** Give the server this soft RLIMIT_NOFILE (the hard limit is left as it is). */
  nofile?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

const running = new Set<ChildProcess>();

/** Kills what is still running, by PID: on a normal exit, an error that escaped, or Ctrl-C. */
function killAll(): void {
  for (const child of running)
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGKILL");
  running.clear();
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Starts `argv` (a command and its arguments) and resolves once it has printed its port. Its stdout keeps being
 * read (and dropped) so that a server that logs every connection never blocks on a full pipe.
 */
export async function startServer(name: string, argv: string[], opts: StartOptions): Promise<ServerProcess> {
  const prefix: string[] = [];
  if (opts.nofile !== undefined) prefix.push("prlimit", `--nofile=${opts.nofile}:`, "--");
  if (opts.cpu !== undefined) prefix.push("taskset", "-c", String(opts.cpu));
  const cmd = [...prefix, ...argv];
  // prlimit and taskset exec the command, so the child's PID is the server's own.
  const child = spawn(cmd[0]!, cmd.slice(1), {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...opts.env },
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let out = "";
  let found = false;
  let announced: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} printed no port within 30 s`)), 30_000);
    child.once("exit", (code, signal) =>
      reject(new Error(`${name} exited with ${code ?? signal} before printing its port`)),
    );
    child.stdout.on("data", (d: Buffer) => {
      if (found) return; // the rest of stdout is drained unread
      out += d.toString();
      const m = opts.portPattern.exec(out);
      if (m === null) return;
      found = true;
      clearTimeout(timer);
      announced = m.slice(1);
      resolve(Number(m[1]));
    });
  }).catch(async (err: unknown) => {
    await stopServer({ name, port: 0, pid: child.pid!, child, announced }, 500);
    throw err;
  });
  return { name, port, pid: child.pid!, child, announced };
}

/** Stops a server: SIGTERM (so that --cpu-prof reports get written), SIGKILL if it is still there after `graceMs`. */
export async function stopServer(server: ServerProcess, graceMs = 3000): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(server.pid, "SIGTERM");
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(server.pid, "SIGKILL");
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** CPU time of every thread of `pid` so far, in nanoseconds (from /proc/PID/task/TID/schedstat). */
export function cpuNanos(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/**
 * User and system time of `pid` (all its threads) so far, in nanoseconds, from /proc/PID/stat: what the kernel
 * charged the process, in clock ticks (USER_HZ, 100 per second on Linux), so a 1-second round is good to ±1%.
 * The system part is the kernel's work on the process's behalf (for an echo, mostly loopback TCP).
 */
export function statCpuSplitNanos(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name in field 2 may hold spaces; the fields after its closing parenthesis are plain numbers.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]) * 1e7, system: Number(fields[12]) * 1e7 };
}

/** CPU time all processes on the machine have used so far (every CPU, from /proc/stat), in nanoseconds. */
export function machineBusyNanos(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // /proc/stat counts in USER_HZ ticks, 100 per second on Linux.
  return (user! + nice! + system! + irq! + softirq! + steal!) * 1e7;
}

/** This process's CPU time so far (user + system, all threads), in nanoseconds. */
export function ownCpuNanos(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/** How many descriptors `pid` has open. */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** A process's memory, in KiB: resident set (VmRSS), and from smaps_rollup its PSS and private dirty pages. */
export interface Memory {
  rss: number;
  pss: number;
  privateDirty: number;
}

export function memoryOf(pid: number): Memory {
  const field = (text: string, name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  let rollup = "";
  try {
    rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  } catch {
    // Kernels before 4.14 have no smaps_rollup; PSS and Private_Dirty are then NaN.
  }
  return { rss: field(status, "VmRSS"), pss: field(rollup, "Pss"), privateDirty: field(rollup, "Private_Dirty") };
}

/** This process's RLIMIT_NOFILE, soft and hard. */
export function ownNofileLimit(): { soft: number; hard: number } {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  const [soft, hard] = (line?.split(/\s{2,}/).slice(1, 3) ?? []).map((x) => (x === "unlimited" ? Infinity : Number(x)));
  return { soft: soft ?? 1024, hard: hard ?? 1024 };
}

/** A free port on loopback, for a server that is told its port rather than printing one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once("error", reject);
  });
}

/** Resolves once `port` on loopback accepts a connection; throws after 30 s, naming `what`. */
export async function connectable(port: number, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => (s.destroy(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
