// Deadlines, the one way socketkit bounds a wait: a performance.now() time (milliseconds), or null for none. A
// timeout in seconds becomes a deadline once, where the operation starts; every wait inside it asks how much is
// left. Also a timer for a deadline any distance away: Node's setTimeout fires after ~1 ms for delays past
// 2^31-1 ms (about 24.8 days) and warns, so a long deadline is reached in steps instead.

import { INT_MAX } from "./constants.js";

/** A performance.now() time after which an operation gives up; null waits as long as it takes. */
export type Deadline = number | null;

/** The deadline of an operation that starts now and may take `timeout` seconds (null: no deadline). */
export function deadlineFor(timeout: number | null): Deadline {
  return timeout === null ? null : performance.now() + Math.max(0, timeout) * 1000;
}

/** Seconds left until `deadline` (never negative), or null for no deadline: what a nested wait's timeout is. */
export function secondsLeft(deadline: Deadline): number | null {
  return deadline === null ? null : Math.max(0, deadline - performance.now()) / 1000;
}

/** Milliseconds left until `deadline` (never negative); Infinity for no deadline. */
export function msLeft(deadline: Deadline): number {
  return deadline === null ? Infinity : Math.max(0, deadline - performance.now());
}

/** True once `deadline` has passed; never for no deadline. */
export function hasPassed(deadline: Deadline): boolean {
  return deadline !== null && performance.now() >= deadline;
}

const LONGEST = INT_MAX;

/** A pending deadline; `cancel()` is safe to call more than once. */
export interface DeadlineTimer {
  cancel(): void;
}

/** Calls `fire` once when performance.now() reaches `deadline`. */
export function atDeadline(deadline: number, fire: () => void): DeadlineTimer {
  let timer: NodeJS.Timeout | null = null;
  const step = () => {
    const left = deadline - performance.now();
    if (left <= 0) {
      timer = null;
      fire();
    } else {
      timer = setTimeout(step, Math.min(Math.ceil(left), LONGEST));
    }
  };
  timer = setTimeout(step, Math.min(Math.max(0, Math.ceil(deadline - performance.now())), LONGEST));
  return {
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
