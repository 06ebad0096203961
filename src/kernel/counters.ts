// The kernel's TCP counters from /proc/net/netstat (TcpExt: ListenOverflows, ListenDrops, TCPReqQFullDrop,
// TCPReqQFullDoCookies, SyncookiesSent, …) and /proc/net/snmp (Tcp: ActiveOpens, AttemptFails, …), and their deltas.

import { readFileSync } from "node:fs";

/** Counters keyed "Group.Name", e.g. "TcpExt.ListenOverflows". */
export type Counters = Record<string, number>;

/**
 * Parses the header/value line pairs of /proc/net/netstat or /proc/net/snmp. A pair whose lengths disagree, or a
 * value that is not a number, is skipped rather than misattributed.
 */
export function parseCounters(text: string): Counters {
  const out: Counters = {};
  const lines = text.split("\n").filter((l) => l.includes(":"));
  for (let i = 0; i + 1 < lines.length; i++) {
    const [group, header] = splitLine(lines[i]!);
    const [group2, values] = splitLine(lines[i + 1]!);
    if (group !== group2 || header.length !== values.length || header.some((h) => /^-?\d+$/.test(h))) continue;
    header.forEach((name, k) => {
      const n = Number(values[k]);
      if (Number.isFinite(n) && /^-?\d+$/.test(values[k]!)) out[`${group}.${name}`] = n;
    });
    i++;
  }
  return out;
}

function splitLine(line: string): [string, string[]] {
  const colon = line.indexOf(":");
  return [
    line.slice(0, colon),
    line
      .slice(colon + 1)
      .trim()
      .split(/\s+/),
  ];
}

/** Every counter of this network namespace. */
export function readCounters(procRoot = "/proc"): Counters {
  const read = (name: string) => {
    try {
      return readFileSync(`${procRoot}/net/${name}`, "utf8");
    } catch {
      return "";
    }
  };
  return { ...parseCounters(read("snmp")), ...parseCounters(read("netstat")) };
}

/** after − before for every counter in `after` (a counter missing before counts from 0). */
export function counterDeltas(before: Counters, after: Counters): Counters {
  const out: Counters = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}

/** The counters an operator watches on an overloaded listener. */
export const LISTEN_COUNTERS = [
  "TcpExt.ListenOverflows",
  "TcpExt.ListenDrops",
  "TcpExt.TCPReqQFullDrop",
  "TcpExt.TCPReqQFullDoCookies",
  "TcpExt.SyncookiesSent",
  "TcpExt.SyncookiesRecv",
  "TcpExt.SyncookiesFailed",
] as const;
