// errno numbers, their symbolic names and libc's own messages (the text Python puts after "[Errno N]").

import { constants } from "node:os";
import { libc } from "./koffi.js";

export const errno = constants.errno as Readonly<Record<string, number>>;

const names = new Map<number, string>();
for (const [name, value] of Object.entries(errno)) {
  // EWOULDBLOCK and EAGAIN share 11; EDEADLOCK and EDEADLK share 35: keep the name Python's errorcode uses.
  if (!names.has(value) || name === "EAGAIN" || name === "EDEADLK") names.set(value, name);
}

/** "ECONNREFUSED" for 111, or "E<n>" for a number Node does not name. */
export function errnoName(code: number): string {
  return names.get(code) ?? `E${code}`;
}

let strerrorFn: ((code: number) => string) | null = null;
const messages = new Map<number, string>();

/** libc's strerror text, e.g. "Connection refused". */
export function strerror(code: number): string {
  let text = messages.get(code);
  if (text === undefined) {
    strerrorFn ??= libc().func("const char *strerror(int)") as (code: number) => string;
    text = strerrorFn(code);
    messages.set(code, text);
  }
  return text;
}
