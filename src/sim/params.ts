// The settings a listen-path simulation runs with: the kernel's sysctls, the listener's backlog, the clients and
// the application's accept() schedule. Defaults are a recent kernel's.

export interface KernelVersion {
  major: number;
  minor: number;
}

export interface SimParams {
  /** listen() backlog. */
  backlog: number;
  /** net.core.somaxconn. */
  somaxconn: number;
  /** How many clients connect. */
  clients: number;
  /** Milliseconds between two clients' connect() calls (0: all at once). */
  connectIntervalMs: number;
  /** Each client's connect() time, ms; overrides connectIntervalMs when given. */
  connectAtMs: number[] | null;
  /** Round-trip time between clients and server, milliseconds. */
  rttMs: number;
  /** Extra delay on each client's final ACK, milliseconds (holds handshakes in SYN-RECV). */
  ackDelayMs: number;
  /** When the application starts calling accept() (then it keeps accepting), or null for never. */
  acceptFromMs: number | null;
  /** Clients send a few bytes and close right after connecting (the early-close experiment). */
  clientsCloseEarly: boolean;
  /** When the observation is taken (counts of established and waiting clients, counter deltas). */
  observeAtMs: number;
  /** How long to simulate. */
  durationMs: number;
  tcpSyncookies: 0 | 1 | 2;
  tcpAbortOnOverflow: 0 | 1;
  tcpMaxSynBacklog: number;
  tcpSynRetries: number;
  tcpSynLinearTimeouts: number;
  tcpSynackRetries: number;
  /** Rules that changed between versions follow this kernel. */
  kernel: KernelVersion;
}

export const DEFAULT_PARAMS: SimParams = {
  backlog: 5,
  somaxconn: 4096,
  clients: 10,
  // Loopback: each connect() completes its handshake in the kernel before the next client's SYN is sent.
  connectIntervalMs: 0.1,
  connectAtMs: null,
  rttMs: 0.02,
  ackDelayMs: 0,
  acceptFromMs: null,
  clientsCloseEarly: false,
  observeAtMs: 500,
  durationMs: 30_000,
  tcpSyncookies: 1,
  tcpAbortOnOverflow: 0,
  tcpMaxSynBacklog: 2048,
  tcpSynRetries: 6,
  tcpSynLinearTimeouts: 4,
  tcpSynackRetries: 5,
  kernel: { major: 6, minor: 18 },
};

/** Fills in defaults and checks ranges, naming the offending field. */
export function simParams(overrides: Partial<SimParams> = {}): SimParams {
  const p = { ...DEFAULT_PARAMS, ...overrides };
  const nonNegative: Array<keyof SimParams> = [
    "backlog",
    "somaxconn",
    "clients",
    "connectIntervalMs",
    "rttMs",
    "ackDelayMs",
    "observeAtMs",
    "durationMs",
    "tcpMaxSynBacklog",
    "tcpSynRetries",
    "tcpSynLinearTimeouts",
    "tcpSynackRetries",
  ];
  for (const k of nonNegative) {
    const v: unknown = p[k]; // what the caller gave, whatever its type claims
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
      throw new RangeError(`${k} must be a number ≥ 0, got ${String(v)}`);
  }
  if (p.connectAtMs !== null && (p.connectAtMs.length !== p.clients || p.connectAtMs.some((t) => !(t >= 0)))) {
    throw new RangeError(`connectAtMs must give one time ≥ 0 for each of the ${p.clients} clients`);
  }
  if (![0, 1, 2].includes(p.tcpSyncookies))
    throw new RangeError(`tcpSyncookies must be 0, 1 or 2, got ${p.tcpSyncookies}`);
  if (![0, 1].includes(p.tcpAbortOnOverflow))
    throw new RangeError(`tcpAbortOnOverflow must be 0 or 1, got ${p.tcpAbortOnOverflow}`);
  return p;
}

/** Parses "6.18.44-fc" (os.release()) into a version. */
export function parseKernelVersion(release: string): KernelVersion {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : DEFAULT_PARAMS.kernel;
}

export function kernelAtLeast(k: KernelVersion, major: number, minor: number): boolean {
  return k.major > major || (k.major === major && k.minor >= minor);
}
