// The public constants of socketkit's socket module, named as Python's socket module names them: every one
// Python has on Linux (linux-constants.ts, generated), and the repr names of its AddressFamily and SocketKind.

import { AddressFamily, SocketKind } from "./linux-constants.js";

export * from "./linux-constants.js";

/** Python's repr of a family: "AddressFamily.AF_INET", or the bare number for one it has no name for. */
export function familyName(family: number): string {
  const name = AddressFamily[family];
  return name === undefined ? String(family) : `AddressFamily.${name}`;
}

/** Python's repr of a type: "SocketKind.SOCK_STREAM", or the bare number. */
export function kindName(type: number): string {
  const name = SocketKind[type];
  return name === undefined ? String(type) : `SocketKind.${name}`;
}
