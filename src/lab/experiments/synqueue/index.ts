// `socketkit lab synqueue`: half-open connections held in SYN-RECV, and what bounds their number. A delay line
// holds every client's final ACK until the counts are taken, so a burst of SYNs leaves requests waiting in the
// listener's SYN queue however slowly the machine runs; the experiment runs with tcp_syncookies 0, 1 and 2 and a
// small tcp_max_syn_backlog, in private namespaces (root).
//   - syncookies 0: the SYN queue stops below the backlog, at the last quarter of tcp_max_syn_backlog; the rest of
//     the SYNs are dropped (ListenDrops).
//   - syncookies 1: min(backlog, somaxconn) + 1 requests wait; every further SYN is answered with a syncookie.
//   - syncookies 2: no request is kept at all; every SYN gets a cookie.

import { defineExperiment } from "../../experiment.js";
import { synQueueModel, synQueuePrediction } from "./model.js";
import { synQueueOptions } from "./options.js";

/** `lab synqueue` and `sim synqueue`, as the registry lists it. */
export const synQueueExperiment = defineExperiment({
  name: "synqueue",
  summary: {
    en: "half-open requests held in SYN-RECV with tcp_syncookies 0, 1 and 2",
    zh: "tcp_syncookies 为 0、1、2 时停留在 SYN-RECV 的半连接请求",
  },
  needsRoot: true,
  options: synQueueOptions,
  model: (o, env) =>
    ([0, 1, 2] as const).map((c) => ({
      label: `tcp_syncookies=${c}: listen(${o.backlog}), tcp_max_syn_backlog ${o["max-syn-backlog"]}, ${o.clients} SYNs, final ACKs held until the counts`,
      zh: `tcp_syncookies=${c}: listen(${o.backlog}), tcp_max_syn_backlog ${o["max-syn-backlog"]}, ${o.clients} 个 SYN, 最后的 ACK 被扣留到计数完成`,
      params: synQueueModel(o, c, env),
    })),
  predict: (runs) => runs.map(synQueuePrediction),
  run: async (o) => (await import("./run.js")).runSynQueue(o),
  render: async (r, view) => (await import("./view.js")).renderSynQueue(r, view),
  svg: async (r) => (await import("./view.js")).synQueueSvg(r),
});
