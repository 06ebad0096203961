// Argument checks shared by the socket layer: each failure is a TypeError or RangeError naming the argument; and
// asPromise(), which makes such a failure a rejection for the calls that return promises.

/** An integer in [min, max], or a TypeError / RangeError that names `argument`. */
export function checkInt(value: unknown, argument: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${argument} must be an integer, got ${typeof value === "number" ? value : typeof value}`);
  }
  if (value < min || value > max) throw new RangeError(`${argument} must be ${min}-${max}, got ${value}`);
  return value;
}

/** Array.isArray for a checked argument: TypeScript's own guard turns a `readonly T[]` into `any[]`. */
export function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

/** Bytes to send: a Buffer or any Uint8Array. */
export function checkBytes(data: unknown, argument: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  throw new TypeError(
    `${argument} must be a Buffer or Uint8Array, got ${typeof data === "string" ? "string" : typeof data}`,
  );
}

/**
 * Runs `start` — a call's argument checks, then the start of its I/O — and gives its result as a promise, so that
 * a bad argument or a closed socket rejects as every later failure of a call that may wait does, never throws.
 */
export function asPromise<T>(start: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(start());
  } catch (err) {
    return Promise.reject(err);
  }
}
