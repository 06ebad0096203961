// Cancellation the Node way for the socket layer's waiting calls: an optional `{ signal }` after Python's own
// parameters, and the AbortError Node's own APIs reject with (name "AbortError", code "ABORT_ERR", cause = reason).

/** The options every waiting call takes after Python's parameters. */
export interface WaitOptions {
  /** Aborting it rejects the call with an AbortError and frees its readiness wait. */
  signal?: AbortSignal | undefined;
}

/**
 * What a waiting call rejects with once its signal aborts, as Node's own AbortError: `name` "AbortError",
 * `code` "ABORT_ERR", `cause` the signal's reason. A cancelled sendall() sets `bytesSent`: the kernel took exactly
 * those bytes, and nothing more is in flight.
 */
export class AbortError extends Error {
  readonly code = "ABORT_ERR";
  /** For sendall() and sendfile(): the bytes the kernel took before the abort. */
  bytesSent: number | undefined;

  constructor(message = "The operation was aborted", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AbortError";
  }
}

/** The AbortError for `signal`, its reason as the cause. */
export function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

/** Throws the AbortError at once when `signal` is already aborted: such a call never starts. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Checks a `{ signal }` argument: an object whose `signal`, when present, is an AbortSignal. */
export function checkWaitOptions(options: unknown, argument = "options"): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${argument} must be an object, got ${options === null ? "null" : typeof options}`);
  }
  const { signal } = options as WaitOptions;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw new TypeError(`${argument}.signal must be an AbortSignal`);
  return signal;
}

/** The error a wait that gave up stands for: the AbortError when `signal` aborted, else what `otherwise` builds. */
export function gaveUpError(signal: AbortSignal | undefined, otherwise: () => Error): Error {
  return signal?.aborted ? abortError(signal) : otherwise();
}

/** Whether `value` is an options object in a positional slot (not bytes, not an address tuple). */
export function isOptions(value: unknown): value is WaitOptions {
  return typeof value === "object" && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value);
}

/**
 * The value of a positional parameter that may instead hold the call's `{ signal }` (`recv(1024, { signal })`):
 * `fallback` when the slot is empty or holds the options. No allocation: these run on every recv() and send().
 */
export function positional<T>(value: T | WaitOptions | undefined, fallback: T): T {
  return value === undefined || isOptions(value) ? fallback : value;
}

/**
 * The signal of a call whose `{ signal }` may come in any of its trailing slots `a`, `b`, `c` (the first object
 * there); slots after it must be empty.
 * @throws TypeError when a positional value follows the options, or `signal` is not an AbortSignal
 */
export function signalOf(a: unknown, b?: unknown, c?: unknown): AbortSignal | undefined {
  if (isOptions(a)) return b === undefined && c === undefined ? checkWaitOptions(a) : misplaced();
  if (isOptions(b)) return c === undefined ? checkWaitOptions(b) : misplaced();
  return checkWaitOptions(c);
}

function misplaced(): never {
  throw new TypeError("options must be the last argument");
}
