// What `lab backlog` returns: with no accept() until --drain-at, how many connections the kernel completed, who waited
// in SYN-SENT retransmitting on the kernel's schedule, ListenOverflows round by round, and how the waiting clients
// got in after the drain — each a claim read from the run's records beside the model's.

import type { ExperimentResult, LabCase } from "../../result.js";
import type { BacklogOptions } from "./options.js";

/** What a backlog run came to: measured on the kernel, or predicted by the model. */
export type BacklogFacts = {
  /** Clients whose connect() had completed when the counts were taken, before any accept(). */
  established: number;
  /** Clients not connected then: still in SYN-SENT, or given up already (see timedOut). */
  synSent: number;
  listenOverflows: number;
  /** ListenOverflows after each SYN retransmission round before the drain: P, 2P, 3P, … */
  overflowsByRound: number[];
  /** When a waiting client retransmitted its SYN before the drain, seconds after its first SYN. */
  synRetransmitsAtS: number[];
  /** Waiting clients that got in after the drain. */
  joined: number;
  /** When they got in, seconds after their first SYN: at the SYN retransmission after the drain. */
  joinedAtS: number | null;
  /** Clients whose connect() failed with ETIMEDOUT before the drain let them in. */
  timedOut: number;
  /** How many clients retransmitted their SYN how often: "0 ×6, 1 ×4". */
  retransmissions: string;
};

/** The one case of a backlog run. */
export type BacklogCase = LabCase<BacklogFacts>;

/** What `lab backlog` returns, and `lab backlog --json` prints. */
export type BacklogResult = ExperimentResult<"backlog", BacklogOptions, BacklogCase>;
