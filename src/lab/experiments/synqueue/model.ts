// The model's side of `lab synqueue`: the parameters for one tcp_syncookies setting, with the final ACKs held until
// the counts (nominally, or at the times a run measured), and the model's answer in the fields the lab counts.

import type { SimResult } from "../../../sim/listen-path.js";
import type { SimParams } from "../../../sim/params.js";
import type { ModelEnvironment } from "../../model-environment.js";
import type { SynQueueOptions } from "./options.js";
import type { SynQueueCounts } from "./result.js";

/** The model's parameters for these options and one tcp_syncookies value; `observeAtMs` as measured. */
export function synQueueModel(
  o: SynQueueOptions,
  syncookies: 0 | 1 | 2,
  env: ModelEnvironment,
  observeAtMs?: number,
  connectAtMs?: number[],
): Partial<SimParams> {
  // Nominally the SYNs are all decided within a millisecond; the counts are taken at 100 ms, the ACKs held until then.
  const at = observeAtMs ?? 100;
  return {
    ...env,
    backlog: o.backlog,
    clients: o.clients,
    connectIntervalMs: 0.05,
    rttMs: 0.2,
    ackDelayMs: at + 1,
    tcpSyncookies: syncookies,
    tcpMaxSynBacklog: o["max-syn-backlog"],
    observeAtMs: at,
    durationMs: at,
    connectAtMs: connectAtMs ?? null,
  };
}

/** What the model predicts for one case, in the fields the lab counts. */
export function synQueuePrediction(model: SimResult): SynQueueCounts {
  return {
    synRecv: model.observation.synQueue,
    cookiesSent: model.observation.counters.SyncookiesSent,
    reqQFullDoCookies: model.observation.counters.TCPReqQFullDoCookies,
    listenDrops: model.observation.counters.ListenDrops,
  };
}
