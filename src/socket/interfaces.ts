// Python's network-interface functions: if_nameindex, if_nametoindex, if_indextoname. Synchronous, as in Python:
// libc answers them from the kernel (netlink and ioctl), never from a name server.

import { loadSyscalls } from "../libc/syscalls.js";
import { checkInt } from "./arguments.js";
import { checkResult, OSError } from "./errors.js";

const IF_NAMESIZE = 16;
const ENTRY = 16;

/** Every interface as [index, name], as Python's socket.if_nameindex(). */
export function ifNameindex(): [number, string][] {
  const sys = loadSyscalls();
  const list = sys.ifNameindex();
  if (list === null) throw new OSError(null, "if_nameindex() failed");
  try {
    const out: [number, string][] = [];
    for (let i = 0; ; i++) {
      const index = sys.decode(list, i * ENTRY, "uint32_t") as number;
      if (index === 0) return out;
      out.push([index, sys.decode(list, i * ENTRY + 8, "char *") as string]);
    }
  } finally {
    sys.ifFreenameindex(list);
  }
}

/** The index of interface `ifName`. @throws OSError "no interface with this name" */
export function ifNametoindex(ifName: string): number {
  if (typeof ifName !== "string") throw new TypeError(`if_name must be a string, got ${typeof ifName}`);
  const index = loadSyscalls().ifNametoindex(ifName);
  if (index <= 0) throw new OSError(null, "no interface with this name");
  return index;
}

/** The name of interface `ifIndex`. @throws OSError ENXIO when there is none */
export function ifIndextoname(ifIndex: number): string {
  checkInt(ifIndex, "if_index", 0, 0xffffffff);
  const buf = Buffer.alloc(IF_NAMESIZE);
  checkResult(loadSyscalls().ifIndextoname(ifIndex, buf), "if_indextoname");
  return buf.subarray(0, buf.indexOf(0)).toString("utf8");
}
