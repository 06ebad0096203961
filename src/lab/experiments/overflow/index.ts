// `socketkit lab overflow`: what clients see when the accept queue fills between the SYN-ACK and the final ACK, with
// tcp_abort_on_overflow 0 and 1, over a delay line between two private namespaces (root).
//   - The listener already holds `backlog` connections; then a burst of clients connects. Their SYNs all find room
//     (requests, or syncookies once the SYN queue is full), but only one final ACK fits in the accept queue.
//   - abort_on_overflow=0: every connect() succeeds; the ACKs that found the queue full are dropped. Requests get their
//     SYN-ACK again and get in once the application drains the queue; cookie clients have no state on the server
//     and are never accepted, though they believe they are connected.
//   - abort_on_overflow=1: the same clients are reset: their first recv() fails with ECONNRESET.
//   - Either way, a SYN that arrives while the queue is still full is dropped silently: no SYN-ACK, no RST. The run
//     holds that SYN on the line until it has read the queue it will meet, and judges it from the complete capture.

import { defineExperiment } from "../../experiment.js";
import { overflowCases, overflowPrediction } from "./model.js";
import { overflowOptions } from "./options.js";

/** `lab overflow` and `sim overflow`, as the registry lists it. */
export const overflowExperiment = defineExperiment({
  name: "overflow",
  summary: {
    en: "the accept queue fills between SYN-ACK and ACK: tcp_abort_on_overflow 0 versus 1",
    zh: "accept 队列在 SYN-ACK 与 ACK 之间被填满：tcp_abort_on_overflow 0 与 1 的对比",
  },
  needsRoot: true,
  options: overflowOptions,
  model: overflowCases,
  predict: overflowPrediction,
  run: async (o, hooks) => (await import("./run.js")).runOverflow(o, hooks),
  render: async (r, view) => (await import("./view.js")).renderOverflow(r, view),
  svg: async (r) => (await import("./view.js")).overflowSvg(r),
});
