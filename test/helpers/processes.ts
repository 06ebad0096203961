// Processes a test starts, and the processes those start: listed through /proc while their parent lives, and
// killed by PID, only ever the ones this test started (directly or through the program it ran).

import { existsSync, readFileSync } from "node:fs";

/** The PIDs of `pid`'s children, from /proc (empty once it is gone). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** `pid`'s descendants, children first. */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  for (const child of childrenOf(pid)) out.push(child, ...descendantsOf(child));
  return out;
}

export function isAlive(pid: number): boolean {
  // A zombie has exited; only its parent's wait is missing.
  try {
    return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** SIGKILLs each PID that is still alive. */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
