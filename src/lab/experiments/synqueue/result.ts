// What `lab synqueue` returns: for tcp_syncookies 0, 1 and 2, the half-open requests and counters the server had
// once every SYN was decided, the model's prediction in the same fields, the packets and the queues; and the verdict.

import type { LoggedPacket } from "../../delay-line.js";
import type { QueueSample } from "../../queue-sampler.js";
import type { ExperimentResult } from "../../result.js";
import type { Verdict } from "../../verdict.js";

/** What the SYN queue held and the counters said once every SYN was decided: measured, or predicted. */
export type SynQueueCounts = {
  synRecv: number;
  cookiesSent: number;
  reqQFullDoCookies: number;
  listenDrops: number;
};

/** One run, with one tcp_syncookies setting. */
export interface SynQueueCase {
  syncookies: 0 | 1 | 2;
  measured: SynQueueCounts;
  predicted: SynQueueCounts;
  /** When the counts were taken, ms after the first SYN. */
  observedAt: number;
  packets: LoggedPacket[];
  series: QueueSample[];
  verdict: Verdict;
}

/** What `lab synqueue` returns, and `lab synqueue --json` prints. */
export interface SynQueueResult extends ExperimentResult<"synqueue"> {
  backlog: number;
  clients: number;
  maxSynBacklog: number;
  /** When the counts were taken, ms after the SYNs (slowest case): the held ACKs were let through after that. */
  observedAtMs: number;
  cases: SynQueueCase[];
  /** The tcp_syncookies=1 case's queue depths (each case keeps its own). */
  series: QueueSample[];
}
