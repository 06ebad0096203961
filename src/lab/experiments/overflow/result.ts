// What `lab overflow` returns: for tcp_abort_on_overflow 0 and 1, what the clients saw and the server counted, the
// model's prediction in the same fields, the packets and the queues; and the verdict over both cases.

import type { LoggedPacket } from "../../delay-line.js";
import type { QueueSample } from "../../queue-sampler.js";
import type { ExperimentResult } from "../../result.js";
import type { Verdict } from "../../verdict.js";

/** What a burst at a full accept queue came to: measured on the kernel, or predicted by the model. */
export type OverflowOutcome = {
  connected: number;
  reset: number;
  acceptQueue: number;
  listenOverflows: number;
  acceptedAfterDrain: number;
  neverAccepted: number;
  lateSynAnswered: string;
};

/** One run, with one tcp_abort_on_overflow setting. */
export interface OverflowCase {
  abortOnOverflow: 0 | 1;
  measured: OverflowOutcome;
  predicted: OverflowOutcome;
  packets: LoggedPacket[];
  series: QueueSample[];
  verdict: Verdict;
}

/** What `lab overflow` returns, and `lab overflow --json` prints. */
export interface OverflowResult extends ExperimentResult<"overflow"> {
  backlog: number;
  burst: number;
  oneWayDelayMs: number;
  cases: OverflowCase[];
  /** The first case's queue depths (the charts show one case; each case keeps its own). */
  series: QueueSample[];
}
