// The sysctls that govern the listen path, read from /proc/sys for the current network namespace.

import { readFileSync } from "node:fs";

export interface ListenSysctls {
  somaxconn: number;
  tcpMaxSynBacklog: number;
  tcpSyncookies: number;
  tcpAbortOnOverflow: number;
  tcpSynRetries: number;
  /** SYN retransmissions that keep the initial RTO before backing off (kernels ≥ 6.5; 0 where absent). */
  tcpSynLinearTimeouts: number;
  tcpSynackRetries: number;
}

export const SYSCTL_PATHS: Readonly<Record<keyof ListenSysctls, string>> = {
  somaxconn: "net/core/somaxconn",
  tcpMaxSynBacklog: "net/ipv4/tcp_max_syn_backlog",
  tcpSyncookies: "net/ipv4/tcp_syncookies",
  tcpAbortOnOverflow: "net/ipv4/tcp_abort_on_overflow",
  tcpSynRetries: "net/ipv4/tcp_syn_retries",
  tcpSynLinearTimeouts: "net/ipv4/tcp_syn_linear_timeouts",
  tcpSynackRetries: "net/ipv4/tcp_synack_retries",
};

/** The value of a sysctl file's text ("4096\n" → 4096), or null if it is not a single integer. */
export function parseSysctlValue(text: string): number | null {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : null;
}

/** Reads one sysctl ("net/core/somaxconn"); null when the kernel has no such file. */
export function readSysctl(path: string, procRoot = "/proc"): number | null {
  try {
    return parseSysctlValue(readFileSync(`${procRoot}/sys/${path}`, "utf8"));
  } catch {
    return null;
  }
}

/** The listen-path sysctls of this network namespace (absent ones read as 0). */
export function readListenSysctls(procRoot = "/proc"): ListenSysctls {
  const out = {} as ListenSysctls;
  for (const [key, path] of Object.entries(SYSCTL_PATHS) as Array<[keyof ListenSysctls, string]>) {
    out[key] = readSysctl(path, procRoot) ?? 0;
  }
  return out;
}
