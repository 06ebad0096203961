// What `lab overflow` returns: for each tcp_abort_on_overflow setting, what the clients saw and the server counted,
// a late SYN's fate at the full queue, the drain — each a claim read from the run's records beside the model's.

import type { ExperimentResult, LabCase } from "../../result.js";
import type { OverflowOptions } from "./options.js";

/** What the server did with the late SYN: dropped it, or answered it (with a SYN-ACK or an RST). */
export type LateSyn = "dropped" | "answered";

/** What a burst at a full accept queue came to: measured on the kernel, or predicted by the model. */
export type OverflowFacts = {
  /** The queued and burst clients whose connect() succeeded. */
  connected: number;
  /** Of those, the ones reset at their first recv(). */
  reset: number;
  /** The accept queue once the burst's ACKs had crossed, before any accept(). */
  acceptQueue: number;
  listenOverflows: number;
  /** The accept queue the late SYN met. */
  lateSynMet: number;
  lateSyn: LateSyn;
  /** Connections accept() returned once the drain began, the late client's included. */
  acceptedAfterDrain: number;
  /** Connected, not reset, and never accepted: a syncookie client with no state on the server. */
  neverAccepted: number;
};

/** One case: one tcp_abort_on_overflow setting. */
export type OverflowCase = LabCase<OverflowFacts>;

/** What `lab overflow` returns, and `lab overflow --json` prints. */
export type OverflowResult = ExperimentResult<"overflow", OverflowOptions, OverflowCase>;
