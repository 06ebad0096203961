// The role a worker process was started in: one environment variable set by startWorker(), read on first use —
// when a server asks, not when socketkit is imported — and then removed, so that a program a worker's handler
// starts in turn is an ordinary process again.

/** Names the role: `forking:<the server's forkingKey>` or `group:<worker number>[:reuseport:<port>]`. */
export const ROLE_VARIABLE = "SOCKETKIT_WORKER";

let role: string | undefined;
let taken = false;

/** This process's role: read from the environment (and removed from it) on the first call. */
function theRole(): string | undefined {
  if (!taken) {
    taken = true;
    role = process.env[ROLE_VARIABLE];
    delete process.env[ROLE_VARIABLE];
  }
  return role;
}

/** The forkingKey of the ForkingMixIn server this process is a worker of, or null in an ordinary process. */
export function forkingRole(): string | null {
  const value = theRole();
  return value?.startsWith("forking:") ? value.slice("forking:".length) : null;
}

/** How the workers of a WorkerGroup share the port. */
export type ShareMode = "inherit" | "reuseport";

/**
 * Which WorkerGroup worker this process is (1…N), how it shares the listener, and (for "reuseport") the port;
 * null outside a group. The role reads `group:<n>` or `group:<n>:reuseport:<port>`.
 */
export function groupRole(): { number: number; share: ShareMode; port: number } | null {
  const value = theRole();
  if (!value?.startsWith("group:")) return null;
  const [, n, share, port] = value.split(":");
  return { number: Number(n), share: share === "reuseport" ? "reuseport" : "inherit", port: Number(port ?? 0) };
}

/**
 * True in a process started by a ForkingMixIn server or a WorkerGroup to serve requests. The main module runs
 * again there, as in a node:cluster worker; guard start-up work that must happen once with it.
 */
export function isWorkerProcess(): boolean {
  return theRole() !== undefined;
}
