// `socketkit lab backlog`: how many connections the kernel completes with no accept() (min(backlog, somaxconn) + 1),
// which clients wait in SYN-SENT, the ListenOverflows they cause, and how each gets in once the application drains
// the queue — at its next SYN retransmission, which the client's own tcp_info counts. The model must agree.

import { defineExperiment } from "../../experiment.js";
import { backlogModel, backlogPrediction, DRAIN_AT_MS } from "./model.js";
import { backlogOptions } from "./options.js";

/** `lab backlog` and `sim backlog`, as the registry lists it. */
export const backlogExperiment = defineExperiment({
  name: "backlog",
  summary: {
    en: "how many connect with no accept(), who waits in SYN-SENT, and when each gets in",
    zh: "不调用 accept() 时有多少连接能完成, 谁在 SYN-SENT 等待, 各自何时进入",
  },
  needsRoot: false,
  options: backlogOptions,
  model: (o, env) => [
    {
      label: `listen(${o.backlog}), ${o.clients} clients, accept() from ${DRAIN_AT_MS} ms`,
      zh: `listen(${o.backlog}), ${o.clients} 个客户端, 从 ${DRAIN_AT_MS} ms 起 accept()`,
      params: backlogModel(o, env),
    },
  ],
  predict: (runs) => runs.map(backlogPrediction),
  run: async (o, hooks) => (await import("./run.js")).runBacklog(o, hooks),
  render: async (r, view) => (await import("./view.js")).renderBacklog(r, view),
  svg: async (r) => (await import("./view.js")).backlogSvg(r),
});
