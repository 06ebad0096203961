// What `lab synqueue` returns: for tcp_syncookies 0, 1 and 2, the half-open requests and counters the server had
// once every SYN was decided — each a claim read from the run's records beside the model's.

import type { ExperimentResult, LabCase } from "../../result.js";
import type { SynQueueOptions } from "./options.js";

/** What the SYN queue held and the counters said once every SYN was decided: measured, or predicted. */
export type SynQueueCounts = {
  synRecv: number;
  cookiesSent: number;
  reqQFullDoCookies: number;
  listenDrops: number;
};

/** One case: one tcp_syncookies setting. */
export type SynQueueCase = LabCase<SynQueueCounts>;

/** What `lab synqueue` returns, and `lab synqueue --json` prints. */
export type SynQueueResult = ExperimentResult<"synqueue", SynQueueOptions, SynQueueCase>;
