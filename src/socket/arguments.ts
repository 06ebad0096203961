// Argument checks shared by the socket layer: each failure is a TypeError or RangeError naming the argument.

/** An integer in [min, max], or a TypeError / RangeError that names `argument`. */
export function checkInt(value: unknown, argument: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${argument} must be an integer, got ${typeof value === "number" ? value : typeof value}`);
  }
  if (value < min || value > max) throw new RangeError(`${argument} must be ${min}-${max}, got ${value}`);
  return value;
}

/** Bytes to send: a Buffer or any Uint8Array. */
export function checkBytes(data: unknown, argument: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  throw new TypeError(
    `${argument} must be a Buffer or Uint8Array, got ${typeof data === "string" ? "string" : typeof data}`,
  );
}
