// Queue depths over time during an experiment: the listener's accept queue and SYN-RECV requests, and its clients
// counted by state, sampled from sock_diag every few milliseconds — the data behind the lab's charts.

import { listenerQueues, querySockets, type DiagSocket } from "../kernel/sock-diag.js";

export interface QueueSample {
  /** ms on the experiment's clock. */
  t: number;
  acceptQueue: number;
  synRecv: number;
  /** The listener's clients by their state as the client's kernel sees it: SYN-SENT, ESTAB, … */
  clients: Record<string, number>;
}

/** Where to look: the sockets of the server's and of the clients' namespace (the same one on loopback). */
export interface SampleSource {
  port: number;
  serverSockets: () => DiagSocket[];
  clientSockets: () => DiagSocket[];
}

/** Takes one sample of `source` now. */
export function sampleQueues(source: SampleSource, t: number): QueueSample {
  const server = source.serverSockets();
  const queues = listenerQueues(server, source.port)[0];
  const clientSide = source.clientSockets();
  const clients: Record<string, number> = {};
  for (const s of clientSide) {
    if (s.remotePort !== source.port || s.state === "LISTEN") continue;
    clients[s.state] = (clients[s.state] ?? 0) + 1;
  }
  return { t, acceptQueue: queues?.acceptQueue ?? 0, synRecv: queues?.synRecv ?? 0, clients };
}

/** A source on this namespace's loopback: one socket dump serves both sides. */
export function loopbackSource(port: number): SampleSource {
  let last: DiagSocket[] = [];
  return {
    port,
    serverSockets: () => (last = querySockets()),
    clientSockets: () => last,
  };
}

/**
 * Samples a source on a timer until stopped. Sampling is best effort: a busy machine takes fewer samples, and
 * a failed dump is skipped rather than ending the experiment.
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
    try {
      this.samples.push(sampleQueues(this.source, this.now()));
    } catch {
      // A dump that fails once (a namespace being torn down) only leaves a gap in the chart.
    }
  }

  stop(): QueueSample[] {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    return this.samples;
  }
}
