// What `lab early-close` returns: the states and queue the run saw around the early close, what accept() and
// recv() then gave, the model's prediction for the same schedule, and the verdict. Views and runners read it here.

import type { ExperimentResult } from "../../result.js";
import type { TimelineStep } from "../../timeline.js";

/** The facts both the run and the model state about the closed connection. */
export type EarlyCloseFacts = {
  serverState: string;
  clientState: string;
  queuedAfterHold: number;
  acceptReturnsIt: string;
};

/** What `lab early-close` returns, and `lab early-close --json` prints. */
export interface EarlyCloseResult extends ExperimentResult<"early-close"> {
  holdMs: number;
  measured: EarlyCloseFacts & { received: string; thenEof: string };
  predicted: EarlyCloseFacts;
  timeline: TimelineStep[];
}
