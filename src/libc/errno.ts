// errno numbers, their symbolic names and libc's own messages (the text Python puts after "[Errno N]").
// `E` names the numbers socketkit handles by name, typed, so no caller needs a non-null assertion.

import { constants } from "node:os";
import { loadSyscalls } from "./syscalls.js";

/** Every errno Node knows, by name (for names that arrive as strings). */
export const errno = constants.errno as Readonly<Record<string, number>>;

const HANDLED = [
  "EPERM",
  "ENOENT",
  "EINTR",
  "EBADF",
  "EAGAIN",
  "ENOMEM",
  "EACCES",
  "EEXIST",
  "ENOTDIR",
  "EISDIR",
  "EINVAL",
  "ENFILE",
  "EMFILE",
  "ENOSPC",
  "ESPIPE",
  "EPIPE",
  "ENOSYS",
  "ENOTSOCK",
  "EMSGSIZE",
  "EOPNOTSUPP",
  "EAFNOSUPPORT",
  "EADDRINUSE",
  "EADDRNOTAVAIL",
  "ENETUNREACH",
  "ECONNABORTED",
  "ECONNRESET",
  "ENOBUFS",
  "EISCONN",
  "ENOTCONN",
  "ESHUTDOWN",
  "ETIMEDOUT",
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "EALREADY",
  "EINPROGRESS",
  "EOVERFLOW",
  "ERANGE",
  "ENXIO",
  "ENODEV",
  "EPROTONOSUPPORT",
] as const;

export type ErrnoName = (typeof HANDLED)[number];

function handled(): Readonly<Record<ErrnoName, number>> {
  const table = {} as Record<ErrnoName, number>;
  for (const name of HANDLED) {
    const value = errno[name];
    // ESHUTDOWN is missing from some Node builds' table; its number is the same on every Linux architecture.
    table[name] = value ?? (name === "ESHUTDOWN" ? 108 : -1);
  }
  return Object.freeze(table);
}

/** The errno numbers socketkit handles by name: `E.EAGAIN`, `E.ECONNRESET`, … */
export const E = handled();

const names = new Map<number, string>();
for (const [name, value] of Object.entries(errno)) {
  // EWOULDBLOCK and EAGAIN share 11; EDEADLOCK and EDEADLK share 35: keep the name Python's errorcode uses.
  if (!names.has(value) || name === "EAGAIN" || name === "EDEADLK") names.set(value, name);
}
if (!names.has(E.ESHUTDOWN)) names.set(E.ESHUTDOWN, "ESHUTDOWN");

/** "ECONNREFUSED" for 111, or "E<n>" for a number Node does not name. */
export function errnoName(code: number): string {
  return names.get(code) ?? `E${code}`;
}

const messages = new Map<number, string>();

/** libc's strerror text, e.g. "Connection refused". */
export function strerror(code: number): string {
  let text = messages.get(code);
  if (text === undefined) {
    text = loadSyscalls().strerror(code);
    messages.set(code, text);
  }
  return text;
}
