// The model's queue depths over time, in the lab's sample shape, so `socketkit sim` draws the same charts as the lab:
// replayed from every connection's timeline of client and server states.

import type { SimResult } from "../sim/listen-path.js";
import type { QueueSample } from "./queue-sampler.js";

const QUEUED = new Set(["ESTAB", "CLOSE-WAIT"]);

/** One sample after each moment something changed, from the first connect() to the end of the run. */
export function modelSeries(result: SimResult): QueueSample[] {
  const events = result.connections
    .flatMap((c) => c.timeline.map((e) => ({ id: c.id, ...e })))
    .sort((a, b) => a.t - b.t);
  const state = new Map<number, { client: string; server: string }>();
  const samples: QueueSample[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    state.set(e.id, { client: e.client, server: e.server });
    if (i + 1 < events.length && events[i + 1]!.t === e.t) continue; // one sample per moment
    const clients: Record<string, number> = {};
    let acceptQueue = 0;
    let synRecv = 0;
    for (const s of state.values()) {
      clients[s.client] = (clients[s.client] ?? 0) + 1;
      if (QUEUED.has(s.server)) acceptQueue++;
      if (s.server === "SYN-RECV") synRecv++;
    }
    samples.push({ t: e.t, acceptQueue, synRecv, clients });
  }
  const last = samples.at(-1);
  if (last && last.t < result.params.durationMs) samples.push({ ...last, t: result.params.durationMs });
  return samples;
}
