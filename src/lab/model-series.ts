// The model's queue depths over time, in the lab's sample shape, so `socketkit sim` draws the same charts as the lab:
// replayed from every connection's timeline of client and server states, and from when ListenOverflows counted.

import type { SimResult } from "../sim/listen-path.js";
import type { QueueSample } from "./queue-sampler.js";

const QUEUED = new Set(["ESTAB", "CLOSE-WAIT"]);

type Moment = { t: number; id?: number; client?: string; server?: string };

/** The sample the states and the counter give at one moment. */
function sampleOf(t: number, state: Map<number, { client: string; server: string }>, overflows: number): QueueSample {
  const clients: Record<string, number> = {};
  let acceptQueue = 0;
  let synRecv = 0;
  for (const s of state.values()) {
    clients[s.client] = (clients[s.client] ?? 0) + 1;
    if (QUEUED.has(s.server)) acceptQueue++;
    if (s.server === "SYN-RECV") synRecv++;
  }
  return { t, acceptQueue, synRecv, clients, listenOverflows: overflows };
}

/** One sample after each moment something changed, from the first connect() to the end of the run. */
export function modelSeries(result: SimResult): QueueSample[] {
  const moments: Moment[] = [
    ...result.connections.flatMap((c) =>
      c.timeline.map((e) => ({ t: e.t, id: c.id, client: e.client, server: e.server })),
    ),
    ...result.listenOverflowsAt.map((t) => ({ t })),
  ].sort((a, b) => a.t - b.t);
  const state = new Map<number, { client: string; server: string }>();
  const samples: QueueSample[] = [];
  let overflows = 0;
  for (let i = 0; i < moments.length; i++) {
    const m = moments[i]!;
    if (m.id === undefined) overflows++;
    else state.set(m.id, { client: m.client!, server: m.server! });
    if (i + 1 < moments.length && moments[i + 1]!.t === m.t) continue; // one sample per moment
    samples.push(sampleOf(m.t, state, overflows));
  }
  const last = samples.at(-1);
  if (last && last.t < result.params.durationMs) samples.push({ ...last, t: result.params.durationMs });
  return samples;
}
