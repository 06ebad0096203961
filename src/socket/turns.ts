// Cooperative turns, as tokio's coop budget: how many calls may complete at once, without waiting, before the
// event loop gets a turn. Sits under io-source.ts. Without it a connection whose peer always has data ready
// (recv, send, recv, ... each done on its fast path) runs in microtasks for good, and every socket that had to
// wait, every timer and every other I/O callback waits behind it: measured at 500 connections, six thousand
// fast-path completions ran between two polls of the loop.

import { wakeCount } from "../libc/poller.js";

/** Fast-path calls per turn: tokio's number; one setImmediate per 128 calls costs nothing measurable. */
export const TURN_BUDGET = 128;

let used = 0;
let turnOf = -1;
let nextTurnPromise: Promise<void> | null = null;

/**
 * Counts one call that is about to try its syscall without waiting; false once this turn's budget is spent, and
 * the caller should then wait for nextTurn() before it tries. A turn begins when the loop polled again (a poll
 * callback ran) or when the calls that yielded are resumed.
 */
export function withinBudget(): boolean {
  const wakes = wakeCount();
  if (wakes !== turnOf) {
    turnOf = wakes;
    used = 0;
  }
  return ++used <= TURN_BUDGET;
}

/** Resolves in the loop's check phase, after its poll phase has run the callbacks that were waiting. */
export function nextTurn(): Promise<void> {
  nextTurnPromise ??= new Promise((resolve) =>
    setImmediate(() => {
      nextTurnPromise = null;
      used = 0;
      resolve();
    }),
  );
  return nextTurnPromise;
}
