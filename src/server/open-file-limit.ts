// The open-file limits a server's accept() meets: the process's RLIMIT_NOFILE (EMFILE) and the system's
// fs.file-max (ENFILE), as Linux reports them in /proc. Reading /proc takes a descriptor, which is just what is
// missing when accept() meets the limit, so each value read is kept and the last one known stands in; a server
// reads them once when it is made (noteFileLimits()), and again whenever it says a limit was met.

import { readFileSync } from "node:fs";
import { E } from "../socket/errors.js";

/** A limit on descriptors: its value (null when never read), and the name an operator changes it by. */
export interface OpenFileLimit {
  value: number | null;
  name: string;
}

const known: { process: number | null; system: number | null } = { process: null, system: null };

/** The first number on the line of /proc/self/limits or the file named, or undefined when it cannot be read now. */
function readNumber(file: string, pattern: RegExp): number | null | undefined {
  try {
    const m = pattern.exec(readFileSync(file, "utf8"));
    return m === null || m[1] === "unlimited" ? null : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** The soft limit on this process's open descriptors (RLIMIT_NOFILE, "ulimit -n"), or null when /proc has none. */
export function processFileLimit(): number | null {
  const value = readNumber("/proc/self/limits", /^Max open files\s+(\S+)/m);
  if (value !== undefined) known.process = value;
  return known.process;
}

/** The system-wide limit on open files (fs.file-max), or null when /proc has none. */
function systemFileLimit(): number | null {
  const value = readNumber("/proc/sys/fs/file-max", /^(\d+)/);
  if (value !== undefined) known.system = value;
  return known.system;
}

/** Reads both limits now, while descriptors are to be had, so that a line written without one can name them. */
export function noteFileLimits(): void {
  processFileLimit();
  systemFileLimit();
}

/** The limit an accept() that failed with `errno` met: the process's for EMFILE, the system's for ENFILE. */
export function limitMetBy(errno: number): OpenFileLimit {
  return errno === E.ENFILE
    ? { value: systemFileLimit(), name: "fs.file-max" }
    : { value: processFileLimit(), name: "RLIMIT_NOFILE" };
}
