// What one refresh of `socketkit watch` reports, built from two looks at the kernel (this one and the one before,
// for rates): every listener most pressed first, or one port's listeners; and which `--fail-on` conditions it met.
// These are also the objects `--json` prints, one a line.

import type { Counters } from "../../kernel/counters.js";
import { byPressure, counterRates, dropRates, type ListenersSnapshot } from "../../kernel/listener-snapshot.js";
import type { Listener } from "../../kernel/listeners.js";
import type { SocketOwner } from "../../kernel/owners.js";
import { crossings, type Crossing, type FailOn } from "./fail-on.js";

/** A listener as watch shows it: the kernel's figures and its drops per second since the last refresh. */
export interface ListenerRow extends Listener {
  /** null on the first refresh, or when the listener's sockets changed since the last one. */
  dropsPerSecond: number | null;
}

/** What both views carry. */
interface SampleBase {
  time: string;
  listeners: ListenerRow[];
  /** Namespace-wide: every listener of this network namespace moves these. */
  counters: Counters;
  ratePerSecond: Counters;
  countersScope: "network namespace";
  /** The `--fail-on` conditions met, one per listening socket and condition; empty when none were given. */
  crossed: Crossing[];
}

/** `socketkit watch`: every TCP listener of the namespace. */
export type ListSample = SampleBase;

/** `socketkit watch PORT`: the listeners on one port (one per address), with their figures added up. */
export interface PortSample extends SampleBase {
  port: number;
  listening: boolean;
  acceptQueue: number;
  /** The backlogs added up (each listener's accept queue holds one more). */
  acceptQueueMax: number;
  synRecv: number;
  established: number;
  /** The processes holding the port's listening sockets. */
  owners: SocketOwner[];
}

/** The sample of every listener in `snap`. */
export function listSample(
  snap: ListenersSnapshot,
  previous: ListenersSnapshot | null,
  conditions: readonly FailOn[] = [],
): ListSample {
  const drops = dropRates(previous, snap);
  const listeners = byPressure(snap.listeners, drops).map((l) => ({ ...l, dropsPerSecond: drops.get(l.key) ?? null }));
  return {
    time: snap.time,
    listeners,
    counters: snap.namespaceCounters,
    ratePerSecond: counterRates(previous, snap),
    countersScope: "network namespace",
    crossed: crossings(listeners, conditions),
  };
}

const sum = (rows: readonly ListenerRow[], f: (r: ListenerRow) => number) => rows.reduce((n, r) => n + f(r), 0);

/** The sample of the listeners on `port` in `snap` (a snapshot taken for that port). */
export function portSample(
  port: number,
  snap: ListenersSnapshot,
  previous: ListenersSnapshot | null,
  conditions: readonly FailOn[] = [],
): PortSample {
  const base = listSample(snap, previous, conditions);
  const mine = base.listeners.filter((l) => l.port === port);
  const owners = [...new Map(mine.flatMap((l) => l.owners).map((o) => [o.pid, o])).values()];
  return {
    ...base,
    listeners: mine,
    crossed: base.crossed.filter((c) => mine.some((l) => l.key === c.listener)),
    port,
    listening: mine.length > 0,
    acceptQueue: sum(mine, (l) => l.acceptQueue),
    acceptQueueMax: sum(mine, (l) => l.backlog),
    synRecv: sum(mine, (l) => l.synRecv),
    established: sum(mine, (l) => l.established),
    owners,
  };
}
