// What `lab early-close` returns: the states both sides showed around the early close, the queue after the hold,
// what accept() and recv() then gave — each a claim read from the run's records beside the model's prediction.

import type { ExperimentResult, LabCase } from "../../result.js";
import type { EarlyCloseOptions } from "./options.js";

/** The facts both the run and the model state about the closed connection. */
export type EarlyCloseFacts = {
  serverState: string;
  clientState: string;
  queuedAfterHold: number;
  acceptReturnsIt: string;
  /** Whether recv() on the accepted socket gave the client's bytes, then EOF. */
  bytesThenEof: string;
};

/** The one case of an early-close run. */
export type EarlyCloseCase = LabCase<EarlyCloseFacts>;

/** What `lab early-close` returns, and `lab early-close --json` prints. */
export type EarlyCloseResult = ExperimentResult<"early-close", EarlyCloseOptions, EarlyCloseCase>;
