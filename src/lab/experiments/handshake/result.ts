// What `lab handshake` returns: every step with the accept queue's depth and each socket's repr, what the fields of
// a repr mean, the packets on the wire (as root), the model's prediction and the verdict. Views and runners read it.

import type { LoggedPacket } from "../../delay-line.js";
import type { ExperimentResult } from "../../result.js";
import type { TimelineStep } from "../../timeline.js";

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

/** What `lab handshake` returns, and `lab handshake --json` prints. */
export interface HandshakeResult extends ExperimentResult<"handshake"> {
  steps: HandshakeStep[];
  /** What each field of a socket's repr means, for the listening, client and accepted sockets. */
  fields: Record<string, string>;
  measured: HandshakeFacts;
  predicted: HandshakeFacts;
  timeline: TimelineStep[];
  /** The packets on the wire with their times, when root could set up the delay line; null otherwise. */
  packets: LoggedPacket[] | null;
}
