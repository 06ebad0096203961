// One look at a listening port: each listener's queues (accept queue and its maximum, SYN-RECV, established) and
// its owners, beside the network namespace's overflow and drop counters — which count for every listener at once —
// and those counters' rates between two looks. What `socketkit watch` shows.

import { counterDeltas, LISTEN_COUNTERS, readCounters, type Counters } from "./counters.js";
import { socketOwners, type SocketOwner } from "./owners.js";
import { LIVE_STATES, listenerQueues, querySockets, type ListenerQueues } from "./sock-diag.js";

export interface ListenerSnapshot {
  /** performance.now() when taken, for rates. */
  at: number;
  time: string;
  port: number;
  /** Each socket listening on the port (one per address, or several with SO_REUSEPORT). */
  listeners: ListenerQueues[];
  owners: SocketOwner[];
  /** The namespace's listen-path counters: they add up every listener in the namespace, not only this port's. */
  namespaceCounters: Counters;
}

/** Takes a snapshot of `port` in the current network namespace. */
export function snapshotListener(port: number): ListenerSnapshot {
  const sockets = querySockets(LIVE_STATES);
  const listeners = listenerQueues(sockets, port);
  const inodes = new Set(
    sockets
      .filter((s) => s.localPort === port || s.remotePort === port)
      .map((s) => s.inode)
      .filter((i) => i !== 0),
  );
  const owners = [...new Map([...socketOwners(inodes).values()].map((o) => [o.pid, o])).values()];
  const all = readCounters();
  const namespaceCounters = Object.fromEntries(LISTEN_COUNTERS.map((k) => [k.replace("TcpExt.", ""), all[k] ?? 0]));
  return { at: performance.now(), time: new Date().toISOString(), port, listeners, owners, namespaceCounters };
}

/** Each counter's change per second from `before` to `after` (one decimal); empty for the first snapshot. */
export function counterRates(before: ListenerSnapshot | null, after: ListenerSnapshot): Counters {
  if (before === null) return {};
  const secs = Math.max((after.at - before.at) / 1000, 1e-3);
  const rates: Counters = {};
  for (const [k, v] of Object.entries(counterDeltas(before.namespaceCounters, after.namespaceCounters)))
    rates[k] = Math.round((v / secs) * 10) / 10;
  return rates;
}

/** The listeners' figures added up: what one port shows when several sockets listen on it. */
export function totalQueues(listeners: ListenerQueues[]) {
  return {
    acceptQueue: listeners.reduce((n, l) => n + l.acceptQueue, 0),
    acceptQueueMax: listeners.reduce((n, l) => Math.max(n, l.acceptQueueMax), 0),
    synRecv: listeners.reduce((n, l) => n + l.synRecv, 0),
    established: listeners.reduce((n, l) => n + l.established, 0),
  };
}
