// `socketkit lab synqueue`: half-open connections held in SYN-RECV, and what bounds their number. A delay line
// holds every client's final ACK until the counts are taken, so a burst of SYNs leaves requests waiting in the
// listener's SYN queue however slowly the machine runs; the experiment runs with tcp_syncookies 0, 1 and 2 and a
// small tcp_max_syn_backlog, in private namespaces (root), and holds the state a while so the pictures show it.
//   - syncookies 0: the SYN queue stops below the backlog, at the last quarter of tcp_max_syn_backlog; the rest of
//     the SYNs are dropped (ListenDrops).
//   - syncookies 1: min(backlog, somaxconn) + 1 requests wait (Linux ≥ 6.13); every further SYN gets a syncookie.
//   - syncookies 2: no request is kept at all; every SYN gets a cookie.

import { defineExperiment } from "../../experiment.js";
import { synQueueCases, synQueuePrediction } from "./model.js";
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
  model: synQueueCases,
  predict: synQueuePrediction,
  run: async (o, hooks) => (await import("./run.js")).runSynQueue(o, hooks),
  render: async (r, view) => (await import("./view.js")).renderSynQueue(r, view),
  svg: async (r) => (await import("./view.js")).synQueueSvg(r),
});
