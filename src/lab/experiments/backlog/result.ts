// What `lab backlog` returns: the counts it measured with no accept(), how long each waiting client took to get in
// after the drain, the model's prediction in the same fields, and the verdict. Views and runners read it here.

import type { ListenSysctls } from "../../../kernel/sysctl.js";
import type { QueueSample } from "../../queue-sampler.js";
import type { ExperimentResult } from "../../result.js";
import type { TimelineStep } from "../../timeline.js";

/** What the model predicts for a backlog run, in the fields the lab measures (a record: sim lists its fields). */
export type BacklogPrediction = {
  established: number;
  synSent: number;
  listenOverflowsDelta: number;
  synRetransmissions: string;
  waitedAfterDrainMs: number[];
};

/** What `lab backlog` returns, and `lab backlog --json` prints. */
export interface BacklogResult extends ExperimentResult<"backlog"> {
  backlog: number;
  somaxconn: number;
  clients: number;
  /** Clients whose connect() completed with no accept(). */
  established: number;
  /** Clients still in SYN-SENT when the counts were taken. */
  synSent: number;
  listenOverflowsDelta: number;
  /** Accept-queue length the kernel reported before the drain. */
  acceptQueue: number;
  /** For each client that had to wait: ms after the drain until its connect() completed (null: never, in time). */
  waitedAfterDrainMs: Array<number | null>;
  /** SYN retransmissions per client, from each client's tcp_info: "0 ×6, 1 ×4". */
  synRetransmissions: string;
  sysctls: ListenSysctls;
  timeline: TimelineStep[];
  predicted: BacklogPrediction;
  series: QueueSample[];
}
