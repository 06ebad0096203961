// Queue depths over time during an experiment: the listener's accept queue and SYN-RECV requests, and its clients
// counted by state, sampled every few milliseconds — the data behind the lab's charts.
// Sampling must not disturb what it measures: the accept queue and the clients' states come from tcp_info (one
// getsockopt each); only SYN-RECV needs a sock_diag dump, limited to listeners and requests of one family.

import { AF_INET } from "../socket/constants.js";
import {
  LISTEN_AND_REQUEST_STATES,
  LIVE_STATES,
  listenerQueues,
  querySockets,
  type ListenerQueues,
} from "../kernel/sock-diag.js";
import type { Socket } from "../socket/socket.js";

/** The queues and the clients by state at one moment of a run. */
export interface QueueSample {
  /** ms on the experiment's clock. */
  t: number;
  acceptQueue: number;
  /** Half-open requests of the listener; null where the experiment does not sample them. */
  synRecv: number | null;
  /** The listener's clients by their state as the client's kernel sees it: SYN-SENT, ESTAB, … */
  clients: Record<string, number>;
}

interface SampleSource {
  listener: Socket;
  clients: readonly Socket[];
  /** Counts SYN-RECV requests (a dump in the listener's namespace); omitted where they cannot occur. */
  synRecv?: () => number;
}

/** The queues of the listener on `port` in the current namespace, from a dump of every live socket; or undefined. */
export function queuesOf(port: number): ListenerQueues | undefined {
  return listenerQueues(querySockets(LIVE_STATES), port)[0];
}

/** SYN-RECV requests of the IPv4 listener on `port` in the current namespace. */
export function synRecvOf(port: number): number {
  return listenerQueues(querySockets(LISTEN_AND_REQUEST_STATES, [AF_INET]), port)[0]?.synRecv ?? 0;
}

/** Takes one sample of `source` now. */
function sampleQueues(source: SampleSource, t: number): QueueSample {
  // For a listener, tcp_info's unacked is the accept queue's length (tcp_get_info()).
  const acceptQueue = source.listener.tcpInfo().unacked;
  const clients: Record<string, number> = {};
  for (const c of source.clients) {
    if (c.fileno() < 0) continue;
    const state = c.tcpInfo().state;
    if (state === "UNCONN") continue; // not yet a client: connect() not called
    clients[state] = (clients[state] ?? 0) + 1;
  }
  return { t, acceptQueue, synRecv: source.synRecv ? source.synRecv() : null, clients };
}

/**
 * Samples a source on a timer until stopped. Sampling is best effort: a busy machine takes fewer samples, and a
 * sample that fails (a socket closed under it) is skipped rather than ending the experiment.
 */
export class QueueSampler {
  readonly samples: QueueSample[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: SampleSource,
    private readonly now: () => number,
  ) {}

  start(everyMs = 20): this {
    this.mark();
    this.timer = setInterval(() => this.mark(), everyMs);
    return this;
  }

  /** One sample now: at the moments the story turns, so the chart shows them whatever the timer did. */
  mark(): void {
    if (this.timer === null && this.samples.length > 0) return;
    try {
      this.samples.push(sampleQueues(this.source, this.now()));
    } catch {
      // Only leaves a gap in the chart.
    }
  }

  stop(): QueueSample[] {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    return this.samples;
  }
}
