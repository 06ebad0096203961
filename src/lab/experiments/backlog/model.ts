// The model's side of `lab backlog`: the nominal run (every client connects within a millisecond, the counts and the
// drain at --drain-at), the SYN schedule both sides read the retransmission rounds from, and the model's answer in
// the fields the lab's claims measure.

import type { SimConnection, SimResult } from "../../../sim/listen-path.js";
import { DEFAULT_PARAMS, type SimParams } from "../../../sim/params.js";
import { synSchedule } from "../../../sim/timers.js";
import { sameValue, type Tolerance } from "../../claims.js";
import type { ModelCase } from "../../experiment.js";
import type { ModelEnvironment } from "../../model-environment.js";
import { modelSeries } from "../../model-series.js";
import { sampleAt } from "../../queue-sampler.js";
import type { BacklogOptions } from "./options.js";
import type { BacklogFacts } from "./result.js";

/** How long after a waiting client's expected way in (or its giving up) the run waits for it at most. */
export const JOIN_MARGIN_MS = 1500;

/** When a waiting client sends its SYNs and gives up, ms after its first SYN, with these settings. */
export function synTimes(env: ModelEnvironment): { sends: number[]; giveUpAt: number } {
  const p = { ...DEFAULT_PARAMS, ...env };
  return synSchedule(p.tcpSynRetries, p.tcpSynLinearTimeouts);
}

/**
 * The moments the counter is read for each retransmission round before the drain: halfway between two SYNs of the
 * last client to wait (so every waiting client has sent that round's SYN), and halfway to the drain for the last
 * round. `lastSynAt` is that client's first SYN and `drainAt` the drain, on one clock; so are the moments.
 */
export function roundMidpoints(env: ModelEnvironment, lastSynAt: number, drainAt: number): number[] {
  const { sends, giveUpAt } = synTimes(env);
  const until = drainAt - lastSynAt;
  const before = [...sends, giveUpAt].filter((t) => t < until);
  return before.map((t, i) => lastSynAt + (t + Math.min(before[i + 1] ?? until, until)) / 2);
}

/** When the run stops waiting for the waiting clients, ms after the first connect(): after their next SYN or end. */
export function waitUntilMs(env: ModelEnvironment, drainMs: number): number {
  const { sends, giveUpAt } = synTimes(env);
  const next = sends.find((t) => t > drainMs) ?? giveUpAt;
  return Math.max(next, drainMs) + JOIN_MARGIN_MS;
}

/** The model's parameters for these options: every client at once on a loopback-fast path, drain at --drain-at. */
export function backlogModel(o: BacklogOptions, env: ModelEnvironment): Partial<SimParams> {
  const drain = o["drain-at"] * 1000;
  return {
    ...env,
    backlog: o.backlog,
    clients: o.clients,
    // Each connect() finishes its handshake before the next one starts: a round trip far shorter than the gap.
    rttMs: 0.001,
    connectIntervalMs: 0.01,
    observeAtMs: drain,
    acceptFromMs: drain + 0.001,
    durationMs: waitUntilMs(env, drain),
  };
}

/** The one case of `lab backlog`. */
export function backlogCases(o: BacklogOptions, env: ModelEnvironment): ModelCase[] {
  return [
    {
      setting: {},
      label: `listen(${o.backlog}), ${o.clients} clients, accept() from ${o["drain-at"]} s`,
      zh: `listen(${o.backlog})，${o.clients} 个客户端，从 ${o["drain-at"]} 秒起 accept()`,
      params: backlogModel(o, env),
    },
  ];
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

/** Seconds to a tenth: how the schedules read, whatever jitter a run adds. */
export const tenths = (ms: number): number => Math.round(ms / 100) / 10;

/** The first of `lists` when they all agree within `tolerance`; otherwise the first that differs from it. */
export function commonList(lists: readonly number[][], tolerance: Tolerance): number[] {
  const [first = [], ...rest] = lists;
  return rest.find((b) => !sameValue(first, b, tolerance)) ?? first;
}

/** The model's SYN times of a connection, seconds after its first SYN, up to `beforeMs`. */
function synTimesOf(c: SimConnection, beforeMs: number): number[] {
  const first = c.timeline[0]?.t ?? 0;
  return c.timeline
    .filter((e) => e.event.startsWith("SYN retransmitted") && e.t < beforeMs)
    .map((e) => tenths(e.t - first));
}

/** What the model predicts, in the fields the lab's claims measure. */
export function backlogPrediction(model: SimResult): BacklogFacts {
  const observeAt = model.params.observeAtMs;
  const drain = model.params.acceptFromMs ?? observeAt;
  const waiting = model.connections.filter((c) => c.connectedAt === null || c.connectedAt > observeAt);
  const joined = waiting.filter((c) => c.connectedAt !== null && c.connectedAt >= drain);
  const series = modelSeries(model);
  const env = model.params;
  const lastSyn = Math.max(0, ...waiting.map((c) => c.timeline[0]?.t ?? 0));
  return {
    established: model.observation.established,
    // Not connected at the counts: still in SYN-SENT, or given up already (the lab's tcp_info shows it closed).
    synSent: waiting.length,
    listenOverflows: model.observation.counters.ListenOverflows,
    overflowsByRound: roundMidpoints(env, lastSyn, observeAt).map((t) => sampleAt(series, t)?.listenOverflows ?? 0),
    synRetransmitsAtS: commonList(
      waiting.map((c) => synTimesOf(c, drain)),
      0,
    ),
    joined: joined.length,
    joinedAtS: joined.length ? tenths(joined[0]!.connectedAt! - joined[0]!.timeline[0]!.t) : null,
    timedOut: model.connections.filter((c) => c.client === "TIMED-OUT").length,
    retransmissions: retransmissionHistogram(model.connections.map((c) => c.synsSent - 1)),
  };
}
