// `socketkit lab backlog`: how many connections the kernel completes with no accept() (min(backlog, somaxconn) + 1),
// which clients wait in SYN-SENT retransmitting their SYN on the kernel's schedule (1, 2, 3, 4, 5, 7, 11 s … with
// tcp_syn_linear_timeouts), the ListenOverflows each round adds, and how each gets in once the application drains
// the queue (--drain-at) — at its next SYN retransmission. As root it runs over a delay line and logs every packet.

import { defineExperiment } from "../../experiment.js";
import { backlogCases, backlogPrediction } from "./model.js";
import { backlogOptions } from "./options.js";

/** `lab backlog` and `sim backlog`, as the registry lists it. */
export const backlogExperiment = defineExperiment({
  name: "backlog",
  summary: {
    en: "how many connect with no accept(), who waits in SYN-SENT, and when each gets in",
    zh: "不调用 accept() 时有多少连接能完成，谁在 SYN-SENT 等待，各自何时进入",
  },
  needsRoot: false,
  options: backlogOptions,
  model: backlogCases,
  predict: backlogPrediction,
  run: async (o, hooks) => (await import("./run.js")).runBacklog(o, hooks),
  render: async (r, view) => (await import("./view.js")).renderBacklog(r, view),
  svg: async (r) => (await import("./view.js")).backlogSvg(r),
});
