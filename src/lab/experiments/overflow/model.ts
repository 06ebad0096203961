// The model's side of `lab overflow`: the parameters that replay its schedule for one tcp_abort_on_overflow setting
// (the nominal one, or the one a run measured) and the model's answer in the fields the lab measures.

import type { SimResult } from "../../../sim/listen-path.js";
import type { SimParams } from "../../../sim/params.js";
import type { MeasuredSchedule } from "../../experiment.js";
import type { ModelEnvironment } from "../../model-environment.js";
import type { OverflowOptions } from "./options.js";
import type { OverflowOutcome } from "./result.js";

/**
 * The schedule is set by latches, not timers: the counts are taken once the line has settled after the burst (its
 * ACKs, and the resets with abort_on_overflow=1, have arrived), the late SYN is judged once the line has settled
 * again, and the queue is drained then — about 300 ms after the burst's SYNs, far from the first SYN-ACK
 * retransmission (1 s). Accepting then lasts ACCEPT_WINDOW_MS, ending as far from the second retransmission (3 s).
 * The model replays the measured times either way.
 */
export const ACCEPT_WINDOW_MS = 1500;

/** The model's parameters for these options; `times` replaces the nominal schedule with the measured one. */
export function overflowModel(
  o: OverflowOptions,
  abort: 0 | 1,
  env: ModelEnvironment,
  times?: MeasuredSchedule,
): Partial<SimParams> {
  const { backlog, burst, delay } = o;
  const burstAt = backlog * (2 * delay + 10);
  const connectAtMs = times?.connectAtMs ?? [
    ...Array.from({ length: backlog }, (_, i) => i * (2 * delay + 10)),
    ...Array<number>(burst).fill(burstAt),
  ];
  // Nominally: the burst's ACKs arrive at 3d and the resets at 4d; the late SYN takes 2d more to be judged.
  const observeAtMs = times?.observeAtMs ?? burstAt + 4 * delay;
  const drainAtMs = times?.drainAtMs ?? observeAtMs + 2 * delay;
  return {
    ...env,
    backlog,
    clients: backlog + burst,
    connectAtMs,
    rttMs: 2 * delay,
    tcpSyncookies: 1,
    tcpAbortOnOverflow: abort,
    observeAtMs,
    acceptFromMs: drainAtMs,
    durationMs: drainAtMs + ACCEPT_WINDOW_MS,
  };
}

/** What the model predicts for one case, in the fields the lab measures. */
export function overflowPrediction(model: SimResult): OverflowOutcome {
  const reset = model.connections.filter((c) => c.client === "RESET").length;
  const accepted = model.connections.filter(
    (c) => c.acceptedAt !== null && c.acceptedAt >= (model.params.acceptFromMs ?? 0),
  ).length;
  const connected = model.connections.filter((c) => c.connectedAt !== null).length;
  return {
    connected,
    reset,
    acceptQueue: model.observation.acceptQueue,
    listenOverflows: model.observation.counters.ListenOverflows,
    acceptedAfterDrain: accepted,
    neverAccepted: connected - reset - accepted,
    // The model's rule for a SYN that meets a full accept queue: dropped, nothing sent back.
    lateSynAnswered: "no",
  };
}
