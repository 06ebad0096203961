// `socketkit lab handshake`: the three-way handshake completes in the kernel before the application calls accept().
// A client connects to a listener that has not called accept(): connect() returns, the connection waits in the
// accept queue (depth 0 → 1), and accept() takes it out. The repr of every socket is shown at each step.

import { defineExperiment } from "../../experiment.js";
import { handshakeModel, handshakePrediction } from "./model.js";

/** `lab handshake` and `sim handshake`, as the registry lists it. */
export const handshakeExperiment = defineExperiment({
  name: "handshake",
  summary: {
    en: "connect() completes before accept(); the accept queue goes 0 → 1 → 0",
    zh: "connect() 在 accept() 之前完成; accept 队列 0 → 1 → 0",
  },
  needsRoot: false,
  options: {},
  model: (_o, env) => [
    { label: "one client, accept() at 100 ms", zh: "一个客户端, 100 ms 时 accept()", params: handshakeModel(env) },
  ],
  predict: (runs) => runs.map(handshakePrediction),
  run: async () => (await import("./run.js")).runHandshake(),
  render: async (r, view) => (await import("./view.js")).renderHandshake(r, view),
  svg: async (r) => (await import("./view.js")).handshakeSvg(r),
});
