// Checks for the CLI's numeric options, each failing with a UsageError (exit 2) that names the option and its range.

import { INT_MAX } from "../libc/constants.js";
import { UsageError } from "./messages.js";

// The largest value any count option takes: listen()'s backlog is a C int.
export { INT_MAX };

/**
 * Rewrites `--name -5` as `--name=-5`: node's parseArgs would take "-5" for an option and report an "ambiguous"
 * argument, where the person meant a (wrong) number that deserves the option's own message.
 */
export function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (/^--[a-z][a-z-]*$/.test(a) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

export function parsePort(text: string, option: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535)
    throw new UsageError(`${option} must be a port number 0-65535, got ${text}`, {
      zh: `${option} 必须是 0 到 65535 的端口号，收到的是 ${text}`,
    });
  return n;
}

/** A whole number in [min, max]. */
export function parseCount(text: string, option: string, min = 0, max = INT_MAX): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max}, got ${text}`, {
      zh: `${option} 必须是 ${min} 到 ${max} 之间的整数，收到的是 ${text}`,
    });
  }
  return n;
}

/** A number of seconds in [min, max] (fractions allowed). */
export function parseSeconds(text: string, option: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${option} must be a number of seconds from ${min} to ${max}, got ${text}`, {
      zh: `${option} 必须是 ${min} 到 ${max} 之间的秒数，收到的是 ${text}`,
    });
  }
  return n;
}
