// /proc/net/tcp and /proc/net/tcp6: every TCP socket of the current network namespace, parsed into records.
// Parsing is a pure function over the text so it can be tested on recorded samples; reading is one call.

import { readFileSync } from "node:fs";
import { formatIPv4, formatIPv6 } from "../libc/inet.js";
import { TCP_STATES_BY_NUMBER } from "../libc/tcp-states.js";

/** Kernel TCP states by their /proc number, named as `ss` names them. */
export const TCP_STATES = TCP_STATES_BY_NUMBER;

export interface TcpSocketEntry {
  family: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** The ss name of the state: LISTEN, SYN-SENT, SYN-RECV, ESTAB, … */
  state: string;
  /** Bytes sent but not yet acknowledged by the peer (0 for a listener: its maximum is only in sock_diag). */
  txQueue: number;
  /** For a listener: connections now in the accept queue; otherwise bytes not yet read by the application. */
  rxQueue: number;
  uid: number;
  inode: number;
}

/** The kernel prints each 32-bit word of an address in host byte order (little-endian on every Linux we run on). */
function addressBytes(hex: string, words: number): Uint8Array | null {
  if (!new RegExp(`^[0-9A-Fa-f]{${words * 8}}$`).test(hex)) return null;
  const bytes = new Uint8Array(words * 4);
  for (let w = 0; w < words; w++) {
    for (let b = 0; b < 4; b++) bytes[w * 4 + b] = parseInt(hex.slice(w * 8 + (3 - b) * 2, w * 8 + (4 - b) * 2), 16);
  }
  return bytes;
}

function endpoint(text: string, family: 4 | 6): [string, number] | null {
  const [addr, port] = text.split(":");
  if (addr === undefined || port === undefined || !/^[0-9A-Fa-f]{4}$/.test(port)) return null;
  const bytes = addressBytes(addr, family === 4 ? 1 : 4);
  if (bytes === null) return null;
  return [family === 4 ? formatIPv4(bytes) : formatIPv6(bytes), parseInt(port, 16)];
}

/** Parses one line of /proc/net/tcp{,6}; null for the header and for malformed lines. */
export function parseTcpLine(line: string, family: 4 | 6): TcpSocketEntry | null {
  const f = line.trim().split(/\s+/);
  if (f.length < 10 || !/^\d+:$/.test(f[0]!)) return null;
  const local = endpoint(f[1]!, family);
  const remote = endpoint(f[2]!, family);
  const state = TCP_STATES[parseInt(f[3]!, 16)];
  const queues = f[4]!.split(":");
  if (!local || !remote || state === undefined || queues.length !== 2) return null;
  const [tx, rx] = queues.map((q) => parseInt(q, 16));
  const uid = Number(f[7]);
  const inode = Number(f[9]);
  if (!Number.isFinite(tx) || !Number.isFinite(rx) || !Number.isInteger(uid) || !Number.isInteger(inode)) return null;
  return {
    family,
    localAddress: local[0],
    localPort: local[1],
    remoteAddress: remote[0],
    remotePort: remote[1],
    state,
    txQueue: tx!,
    rxQueue: rx!,
    uid,
    inode,
  };
}

/** Parses the whole text of /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6), skipping what it cannot read. */
export function parseProcNetTcp(text: string, family: 4 | 6): TcpSocketEntry[] {
  const out: TcpSocketEntry[] = [];
  for (const line of text.split("\n")) {
    const entry = parseTcpLine(line, family);
    if (entry) out.push(entry);
  }
  return out;
}

/** Every TCP socket of this network namespace, IPv4 then IPv6. */
export function readTcpSockets(procRoot = "/proc"): TcpSocketEntry[] {
  const read = (name: string) => {
    try {
      return readFileSync(`${procRoot}/net/${name}`, "utf8");
    } catch {
      return "";
    }
  };
  return [...parseProcNetTcp(read("tcp"), 4), ...parseProcNetTcp(read("tcp6"), 6)];
}
