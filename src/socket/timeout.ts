// Python's socket timeouts: null waits forever, 0 never waits, a positive number of seconds is a deadline.
// The process-wide default that new sockets start with lives here too. Deadlines themselves are defined in
// src/libc/deadline.ts and re-exported here for the layers above, which do not import libc.

export { deadlineFor, hasPassed, msLeft, secondsLeft, type Deadline } from "../libc/deadline.js";

let defaultTimeout: number | null = null;

/** Checks a timeout argument as Python's settimeout() does, naming `argument` in the error. */
export function checkTimeout(value: unknown, argument = "timeout"): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "number")
    throw new TypeError(`${argument} must be a number of seconds or null, got ${typeof value}`);
  // Any finite number of seconds works however long (src/libc/deadline.ts); Infinity is spelled null.
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${argument} must be a finite number of seconds ≥ 0 or null, got ${value}`);
  return value;
}

/** The timeout new sockets start with (null unless setdefaulttimeout() changed it). */
export function getdefaulttimeout(): number | null {
  return defaultTimeout;
}

/** Sets the timeout new sockets start with; existing sockets keep theirs. */
export function setdefaulttimeout(timeout: number | null): void {
  defaultTimeout = checkTimeout(timeout);
}
