// What `lab handshake` returns: the facts about the handshake and the accept queue as claims read from the run's
// records, every step with the queue's depth and each socket's repr, what the fields of a repr mean, and the packets
// on the wire (as root). Views and runners read it here.

import type { CaseEvidence, ExperimentResult, LabCase } from "../../result.js";

/** The facts both the run and the model state about the handshake and the accept queue. */
export type HandshakeFacts = {
  connectBeforeAccept: string;
  queueBeforeConnect: number;
  queueAfterConnect: number;
  queueAfterAccept: number;
};

/** One step of the run: what had just happened, the accept queue's depth then, and every socket's repr. */
export interface HandshakeStep {
  t: number;
  step: string;
  acceptQueue: number;
  sockets: Record<string, string>;
}

/** What a handshake run keeps beside the common evidence: its steps and what each field of a repr means. */
export interface HandshakeEvidence extends CaseEvidence {
  steps: HandshakeStep[];
  /** What each field of a socket's repr means, for the listening, client and accepted sockets. */
  fields: Record<string, string>;
}

/** The one case of a handshake run. */
export type HandshakeCase = LabCase<HandshakeFacts, HandshakeEvidence>;

/** What `lab handshake` returns, and `lab handshake --json` prints. */
export type HandshakeResult = ExperimentResult<"handshake", Record<string, never>, HandshakeCase>;
