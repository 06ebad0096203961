// The model's side of `lab synqueue`: the cases for tcp_syncookies 0, 1 and 2, each with the final ACKs held until
// the counts, and the model's answer in the fields the lab's claims measure.

import type { SimResult } from "../../../sim/listen-path.js";
import type { SimParams } from "../../../sim/params.js";
import type { ModelCase } from "../../experiment.js";
import type { ModelEnvironment } from "../../model-environment.js";
import type { SynQueueOptions } from "./options.js";
import type { SynQueueCounts } from "./result.js";

/** When the model takes its counts, ms: every SYN is decided well before; the ACKs are held until then. */
const OBSERVE_AT_MS = 100;

/** The model's parameters for these options and one tcp_syncookies value. */
export function synQueueModel(o: SynQueueOptions, syncookies: 0 | 1 | 2, env: ModelEnvironment): Partial<SimParams> {
  return {
    ...env,
    backlog: o.backlog,
    clients: o.clients,
    connectIntervalMs: 0.05,
    rttMs: 0.2,
    ackDelayMs: OBSERVE_AT_MS + 1,
    tcpSyncookies: syncookies,
    tcpMaxSynBacklog: o["max-syn-backlog"],
    observeAtMs: OBSERVE_AT_MS,
    durationMs: OBSERVE_AT_MS,
  };
}

/** The model's cases: tcp_syncookies 0, 1 and 2. */
export function synQueueCases(o: SynQueueOptions, env: ModelEnvironment): ModelCase[] {
  return ([0, 1, 2] as const).map((c) => ({
    setting: { tcp_syncookies: c },
    label: `tcp_syncookies=${c}: listen(${o.backlog}), tcp_max_syn_backlog ${o["max-syn-backlog"]}, ${o.clients} SYNs, final ACKs held until the counts`,
    zh: `tcp_syncookies=${c}：listen(${o.backlog})，tcp_max_syn_backlog ${o["max-syn-backlog"]}，${o.clients} 个 SYN，最后的 ACK 被扣留到计数完成`,
    params: synQueueModel(o, c, env),
  }));
}

/** What the model predicts for one case, in the fields the lab's claims measure. */
export function synQueuePrediction(model: SimResult): SynQueueCounts {
  return {
    synRecv: model.observation.synQueue,
    cookiesSent: model.observation.counters.SyncookiesSent,
    reqQFullDoCookies: model.observation.counters.TCPReqQFullDoCookies,
    listenDrops: model.observation.counters.ListenDrops,
  };
}
