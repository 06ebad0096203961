// The model's side of `lab overflow`: the nominal schedule the run follows (its latches make the counts independent
// of the exact times), the cases for the tcp_abort_on_overflow settings asked for, and the model's answer in the
// fields the lab's claims measure.

import type { SimConnection, SimResult } from "../../../sim/listen-path.js";
import type { SimParams } from "../../../sim/params.js";
import type { ModelCase } from "../../experiment.js";
import type { ModelEnvironment } from "../../model-environment.js";
import { modelSeries } from "../../model-series.js";
import { sampleAt } from "../../queue-sampler.js";
import type { OverflowOptions } from "./options.js";
import type { LateSyn, OverflowFacts } from "./result.js";

/**
 * After the drain begins the run accepts for this long: through the first SYN-ACK retransmission (1 s after the
 * burst's SYN-ACKs) and the late client's first SYN retransmission (1 s after its SYN), ending far from the second
 * SYN-ACK retransmission (3 s).
 */
export const ACCEPT_WINDOW_MS = 1500;

/** When things happen in the nominal run, ms: the run's latches take them in this order, whatever the delays. */
export interface OverflowSchedule {
  connectAtMs: number[];
  /** The counts, once the burst's ACKs (and resets) have crossed. */
  observeAtMs: number;
  /** One more client's connect(), while the queue is full. */
  lateAtMs: number;
  drainAtMs: number;
}

/**
 * The nominal schedule: `backlog` clients one after the other, each completing before the next; the burst; the
 * counts once its ACKs arrived (3d) and the resets (4d); the late client; the drain once its SYN is judged.
 */
export function overflowSchedule(o: OverflowOptions): OverflowSchedule {
  const d = o.delay;
  const burstAt = o.backlog * (2 * d + 10);
  const observeAtMs = burstAt + 4 * d;
  const lateAtMs = observeAtMs + 1;
  return {
    connectAtMs: [
      ...Array.from({ length: o.backlog }, (_, i) => i * (2 * d + 10)),
      ...Array<number>(o.burst).fill(burstAt),
      lateAtMs,
    ],
    observeAtMs,
    lateAtMs,
    drainAtMs: lateAtMs + 2 * d + 1,
  };
}

/** The model's parameters for these options and one tcp_abort_on_overflow setting. */
export function overflowModel(o: OverflowOptions, abort: 0 | 1, env: ModelEnvironment): Partial<SimParams> {
  const s = overflowSchedule(o);
  return {
    ...env,
    backlog: o.backlog,
    clients: o.backlog + o.burst + 1,
    connectAtMs: s.connectAtMs,
    rttMs: 2 * o.delay,
    tcpSyncookies: 1,
    tcpAbortOnOverflow: abort,
    observeAtMs: s.observeAtMs,
    acceptFromMs: s.drainAtMs,
    durationMs: s.drainAtMs + ACCEPT_WINDOW_MS,
  };
}

/** The tcp_abort_on_overflow settings a run covers: the one asked for, or 0 then 1. */
export function abortSettings(o: OverflowOptions): Array<0 | 1> {
  const asked = o["abort-on-overflow"];
  return asked === null ? [0, 1] : [asked === 1 ? 1 : 0];
}

/** The model's cases: one per tcp_abort_on_overflow setting. */
export function overflowCases(o: OverflowOptions, env: ModelEnvironment): ModelCase[] {
  return abortSettings(o).map((abort) => ({
    setting: { tcp_abort_on_overflow: abort },
    label: `tcp_abort_on_overflow=${abort}: ${o.backlog} queued, then a burst of ${o.burst} over a ${2 * o.delay} ms round trip, then one more SYN`,
    zh: `tcp_abort_on_overflow=${abort}：队列中已有 ${o.backlog} 个，随后 ${o.burst} 个客户端在 ${2 * o.delay} ms 往返时间下同时连接，再来一个 SYN`,
    params: overflowModel(o, abort, env),
  }));
}

/** What happened to the late client's first SYN in the model: the event at its arrival. */
function lateSynFate(late: SimConnection, arrival: number): LateSyn {
  const event = late.timeline.find((e) => e.t >= arrival && e.event !== "connect(): SYN sent")?.event ?? "";
  return event.startsWith("SYN dropped") ? "dropped" : "answered";
}

/** What the model predicts for one case, in the fields the lab's claims measure. */
export function overflowPrediction(model: SimResult): OverflowFacts {
  const early = model.connections.slice(0, -1);
  const late = model.connections.at(-1)!;
  const drain = model.params.acceptFromMs ?? 0;
  const arrival = (late.timeline[0]?.t ?? 0) + model.params.rttMs / 2;
  const reset = early.filter((c) => c.client === "RESET").length;
  return {
    connected: early.filter((c) => c.connectedAt !== null).length,
    reset,
    acceptQueue: model.observation.acceptQueue,
    listenOverflows: model.observation.counters.ListenOverflows,
    lateSynMet: sampleAt(modelSeries(model), arrival - 1e-6)?.acceptQueue ?? 0,
    lateSyn: lateSynFate(late, arrival),
    acceptedAfterDrain: model.connections.filter((c) => c.acceptedAt !== null && c.acceptedAt >= drain).length,
    neverAccepted: early.filter((c) => c.connectedAt !== null && c.client !== "RESET" && c.acceptedAt === null).length,
  };
}
