// Checks for the CLI's numeric options, each failing with a UsageError that names the option.

import { UsageError } from "./messages.js";

export function parsePort(text: string, option: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${option} must be a port number 0-65535, got ${text}`);
  return n;
}

export function parseCount(text: string, option: string, min = 0): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || n < min) throw new UsageError(`${option} must be a whole number ≥ ${min}, got ${text}`);
  return n;
}
