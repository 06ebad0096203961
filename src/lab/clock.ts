// Time inside an experiment: its clock, its sleeps, waits with a bound, and polls bounded by a deadline
// (src/libc/deadline.ts, through socket/timeout.ts) for latches where the kernel gives no event to wait for.

import { deadlineFor, hasPassed } from "../socket/timeout.js";

/**
 * A clock that reads 0 now: milliseconds since this call, rounded to `decimals` places (unrounded without), so
 * that an experiment's times read as its JSON has always shown them.
 */
export function startClock(decimals?: number): () => number {
  const t0 = performance.now();
  if (decimals === undefined) return () => performance.now() - t0;
  const scale = 10 ** decimals;
  return () => Math.round((performance.now() - t0) * scale) / scale;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Reads `probe` every `everyMs` (0: at the next turn of the event loop) until `done` accepts what it read or
 * `limitMs` have passed, and resolves with the last reading either way: the caller judges a reading that never
 * became the awaited one.
 */
export async function pollUntil<T>(
  probe: () => T,
  done: (reading: T) => boolean,
  limitMs: number,
  everyMs: number,
): Promise<T> {
  const deadline = deadlineFor(limitMs / 1000);
  for (;;) {
    const reading = probe();
    if (done(reading) || hasPassed(deadline)) return reading;
    await (everyMs > 0 ? sleep(everyMs) : new Promise<void>((resolve) => setImmediate(resolve)));
  }
}

/** Resolves when `promise` settles or after `ms` milliseconds, whichever comes first; never rejects. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([promise.then(noop, noop), bound]);
  clearTimeout(timer);
}

function noop(): void {}
