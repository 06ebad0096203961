// The model's side of `lab backlog`: the parameters that replay its schedule (the nominal one, or the one a run
// measured) and the model's answer in the fields the lab measures.

import type { SimResult } from "../../../sim/listen-path.js";
import type { SimParams } from "../../../sim/params.js";
import type { MeasuredSchedule } from "../../experiment.js";
import type { ModelEnvironment } from "../../model-environment.js";
import type { BacklogOptions } from "./options.js";
import type { BacklogPrediction } from "./result.js";

/** The nominal schedule: all clients connect at once, the counts and the drain at 300 ms. */
export const DRAIN_AT_MS = 300;
/** The first SYN retransmission comes 1 s after the SYN; the wait covers it with a wide margin, never the second. */
export const WAIT_MS = 1900;

/** The model's parameters for these options; `times` replaces the nominal schedule with the measured one. */
export function backlogModel(o: BacklogOptions, env: ModelEnvironment, times?: MeasuredSchedule): Partial<SimParams> {
  // Nominally the counts are taken, then the drain starts a millisecond later, as in the lab.
  const drain = times?.drainAtMs ?? DRAIN_AT_MS + 1;
  return {
    ...env,
    backlog: o.backlog,
    clients: o.clients,
    // On loopback each connect() finishes its handshake inside the system call, before the next one starts: a round
    // trip far shorter than the gap between two calls, which keep their order.
    rttMs: 0.001,
    connectAtMs: times ? times.connectAtMs.map((t, i) => t + i * 0.002) : null,
    observeAtMs: times?.observeAtMs ?? DRAIN_AT_MS,
    acceptFromMs: drain,
    durationMs: drain + WAIT_MS,
  };
}

/** "0 ×6, 1 ×4": how many clients retransmitted their SYN how often. */
export function retransmissionHistogram(counts: number[]): string {
  const by = new Map<number, number>();
  for (const n of counts) by.set(n, (by.get(n) ?? 0) + 1);
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([n, k]) => `${n} ×${k}`)
    .join(", ");
}

/** What the model predicts, in the fields the lab measures. */
export function backlogPrediction(model: SimResult): BacklogPrediction {
  const drain = model.params.acceptFromMs ?? 0;
  return {
    established: model.observation.established,
    synSent: model.observation.synSent,
    listenOverflowsDelta: model.observation.counters.ListenOverflows,
    synRetransmissions: retransmissionHistogram(model.connections.map((c) => c.synsSent - 1)),
    waitedAfterDrainMs: model.connections.flatMap((c) =>
      c.connectedAt !== null && c.connectedAt > drain ? [Math.round(c.connectedAt - drain)] : [],
    ),
  };
}
