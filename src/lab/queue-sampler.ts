// Queue depths over time during an experiment: the listener's accept queue and SYN-RECV requests, its clients counted
// by state and the ListenOverflows counter, sampled on a timer, after each packet the line delivers and at the
// moments the story turns — the data behind the lab's charts, kept only where something changed.
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
  /** TcpExt.ListenOverflows since the run began, in the server's namespace; null where it is not sampled. */
  listenOverflows: number | null;
}

interface SampleSource {
  listener: Socket;
  clients: readonly Socket[];
  /** Counts SYN-RECV requests (a dump in the listener's namespace); omitted where they cannot occur. */
  synRecv?: () => number;
  /** Reads ListenOverflows since the run began (the server namespace's counters); omitted where not sampled. */
  listenOverflows?: () => number;
}

/** The queues of the listener on `port` in the current namespace, from a dump of every live socket; or undefined. */
export function queuesOf(port: number): ListenerQueues | undefined {
  return listenerQueues(querySockets(LIVE_STATES), port)[0];
}

/** SYN-RECV requests of the IPv4 listener on `port` in the current namespace. */
export function synRecvOf(port: number): number {
  return listenerQueues(querySockets(LISTEN_AND_REQUEST_STATES, [AF_INET]), port)[0]?.synRecv ?? 0;
}

/** Takes one sample of `source` now; `retrans` receives each client's retransmission count (tcp_info). */
function sampleQueues(source: SampleSource, t: number, retrans: number[]): QueueSample {
  // For a listener, tcp_info's unacked is the accept queue's length (tcp_get_info()).
  const acceptQueue = source.listener.tcpInfo().unacked;
  const clients: Record<string, number> = {};
  source.clients.forEach((c, i) => {
    if (c.fileno() < 0) return;
    const info = c.tcpInfo();
    retrans[i] = info.totalRetrans;
    if (info.state === "UNCONN") return; // not a client yet (connect() not called), or no longer (it gave up)
    clients[info.state] = (clients[info.state] ?? 0) + 1;
  });
  const synRecv = source.synRecv ? source.synRecv() : null;
  return { t, acceptQueue, synRecv, clients, listenOverflows: source.listenOverflows?.() ?? null };
}

/** Whether two samples show the same quantities (their times aside). */
function sameQuantities(a: QueueSample, b: QueueSample): boolean {
  return (
    a.acceptQueue === b.acceptQueue &&
    a.synRecv === b.synRecv &&
    a.listenOverflows === b.listenOverflows &&
    JSON.stringify(a.clients) === JSON.stringify(b.clients)
  );
}

/**
 * Samples a source on a timer until stopped, keeping a sample only when it differs from the one before (and the
 * last one, at stop()). Sampling is best effort: a busy machine takes fewer samples, and a sample that fails (a
 * socket closed under it) is skipped rather than ending the experiment.
 */
export class QueueSampler {
  private readonly samples: QueueSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Each client's retransmission count at the last sample, and when it rose. */
  private readonly retrans: number[];
  private readonly rose: number[][];
  private lastAt = -Infinity;

  constructor(
    private readonly source: SampleSource,
    private readonly now: () => number,
  ) {
    this.retrans = source.clients.map(() => 0);
    this.rose = source.clients.map(() => []);
  }

  start(everyMs = 20): this {
    this.mark();
    this.timer = setInterval(() => this.mark(), everyMs);
    return this;
  }

  /** One sample now: at the moments the story turns, so the chart shows them whatever the timer did. */
  mark(): QueueSample | undefined {
    if (this.stopped) return this.samples.at(-1);
    try {
      const counts = this.retrans.slice();
      const sample = sampleQueues(this.source, this.now(), counts);
      this.lastAt = sample.t;
      counts.forEach((n, i) => {
        for (let k = this.retrans[i]!; k < n; k++) this.rose[i]!.push(sample.t);
      });
      this.retrans.splice(0, counts.length, ...counts);
      const last = this.samples.at(-1);
      if (last === undefined || !sameQuantities(last, sample)) this.samples.push(sample);
      return sample;
    } catch {
      return undefined; // only leaves a gap in the chart
    }
  }

  /**
   * One sample now unless one was taken less than `gapMs` ago: what a delivery hook calls, so that a burst of packets
   * costs a sample per millisecond rather than one per packet (each sample reads every client's tcp_info).
   */
  markAfterPacket(gapMs = 1): void {
    if (this.now() - this.lastAt >= gapMs) this.mark();
  }

  /** When each client's tcp_info counted one more retransmission, as seen at the samples (one time per count). */
  retransmissionsSeen(): number[][] {
    return this.rose.map((times) => times.slice());
  }

  /** The samples kept so far: each a change, in time order. */
  soFar(): readonly QueueSample[] {
    return this.samples;
  }

  /** Stops sampling after one last sample, and returns every sample kept. */
  stop(): QueueSample[] {
    if (this.stopped) return this.samples;
    const last = this.mark();
    if (last && this.samples.at(-1) !== last) this.samples.push(last);
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    return this.samples;
  }
}

/** The sample in force at `t`: the last one taken at or before it; undefined before the first. */
export function sampleAt(samples: readonly QueueSample[], t: number): QueueSample | undefined {
  let found: QueueSample | undefined;
  for (const s of samples) {
    if (s.t > t) break;
    found = s;
  }
  return found;
}
