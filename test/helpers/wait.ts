// Waiting helpers for tests: every wait has a deadline that fails the test instead of hanging it.

import { readdirSync, readFileSync } from "node:fs";

/** Polls `probe` (kernel state has no event to wait on) until it returns a value other than undefined. */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 5000, everyMs = 10): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Rejects if `promise` has not settled within `ms`: a watchdog for one step of a test. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

/** True if `promise` is still pending after the event loop has had `ms` to settle it. */
export async function stillPending(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const marker = Symbol("pending");
  const result = await Promise.race([
    promise.then(
      () => null,
      () => null,
    ),
    new Promise((r) => setTimeout(() => r(marker), ms)),
  ]);
  return result === marker;
}

export function openFdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

export function threadCount(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  return Number(/^Threads:\s+(\d+)/m.exec(status)![1]);
}
