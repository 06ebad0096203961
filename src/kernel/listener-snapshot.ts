// One look at the listeners of this network namespace — each one's queues, drops and owners — beside the
// namespace's listen-path counters (TcpExt, which add up every listener at once), and the rates between two looks.
// What `socketkit watch` draws and `socketkit exporter` serves.

import { LISTEN_COUNTERS, readCounters, type Counters } from "./counters.js";
import { groupListeners, type Listener } from "./listeners.js";
import { socketOwners } from "./owners.js";
import { LIVE_STATES, querySockets } from "./sock-diag.js";

/** The listeners and the namespace's counters at one moment. */
export interface ListenersSnapshot {
  /** performance.now() when taken, for rates. */
  at: number;
  time: string;
  listeners: Listener[];
  /** TcpExt's listen-path counters by their short names (ListenOverflows, …): every listener of the namespace. */
  namespaceCounters: Counters;
  /** How long reading the kernel took, in seconds. */
  readSeconds: number;
}

/** What a snapshot reads. */
export interface SnapshotOptions {
  /** Only the listeners on these ports (all when absent or empty). */
  ports?: readonly number[];
  /** Name each listening socket's processes (a walk of /proc/PID/fd; default true). */
  owners?: boolean;
}

/** The listen-path counters of TcpExt, by their short names. */
export function listenCounters(all: Counters = readCounters()): Counters {
  return Object.fromEntries(LISTEN_COUNTERS.map((k) => [k.replace("TcpExt.", ""), all[k] ?? 0]));
}

/** Takes a snapshot of the listeners of the current network namespace (one sock_diag dump per family). */
export function snapshotListeners(options: SnapshotOptions = {}): ListenersSnapshot {
  const started = performance.now();
  const ports = new Set(options.ports ?? []);
  const sockets = querySockets(LIVE_STATES).filter((s) => ports.size === 0 || ports.has(s.localPort));
  const inodes = new Set(sockets.filter((s) => s.state === "LISTEN").map((s) => s.inode));
  const owners = options.owners === false ? new Map() : socketOwners(inodes);
  const listeners = groupListeners(sockets, owners);
  const namespaceCounters = listenCounters();
  const at = performance.now();
  return { at, time: new Date().toISOString(), listeners, namespaceCounters, readSeconds: (at - started) / 1000 };
}

function perSecond(delta: number, before: ListenersSnapshot, after: ListenersSnapshot): number {
  const secs = Math.max((after.at - before.at) / 1000, 1e-3);
  return Math.round((delta / secs) * 10) / 10;
}

/** Each namespace counter's change per second from `before` to `after` (one decimal); empty for the first look. */
export function counterRates(before: ListenersSnapshot | null, after: ListenersSnapshot): Counters {
  if (before === null) return {};
  const rates: Counters = {};
  for (const [k, v] of Object.entries(after.namespaceCounters))
    rates[k] = perSecond(v - (before.namespaceCounters[k] ?? 0), before, after);
  return rates;
}

/**
 * Each listener's drops per second from `before` to `after`, by key. A listener that is new, or whose sockets
 * changed (a restart starts sk_drops again), has no rate yet.
 */
export function dropRates(before: ListenersSnapshot | null, after: ListenersSnapshot): Map<string, number> {
  const rates = new Map<string, number>();
  const earlier = new Map(before?.listeners.map((l) => [l.key, l]));
  for (const l of after.listeners) {
    const b = earlier.get(l.key);
    const same = b !== undefined && b.sockets.map((s) => s.inode).join() === l.sockets.map((s) => s.inode).join();
    if (same && b.drops !== null && l.drops !== null) rates.set(l.key, perSecond(l.drops - b.drops, before!, after));
  }
  return rates;
}

/** How full a listener is: its fullest socket's accept queue over what that queue holds (backlog + 1). */
export function pressure(l: Listener): number {
  return Math.max(0, ...l.sockets.map((s) => s.acceptQueue / (s.backlog + 1)));
}

/** The listeners, most pressed first: fullest queue, then drops per second, SYN-RECV, then by address and port. */
export function byPressure(listeners: readonly Listener[], drops: ReadonlyMap<string, number> = new Map()): Listener[] {
  return [...listeners].sort(
    (a, b) =>
      pressure(b) - pressure(a) ||
      (drops.get(b.key) ?? 0) - (drops.get(a.key) ?? 0) ||
      b.synRecv - a.synRecv ||
      a.port - b.port ||
      a.key.localeCompare(b.key),
  );
}
