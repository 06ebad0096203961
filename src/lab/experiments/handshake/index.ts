// `socketkit lab handshake`: the three-way handshake completes in the kernel before the application calls accept().
// A client connects to a listener that has not called accept(): connect() returns, the connection waits in the
// accept queue (depth 0 → 1 at the final ACK), and accept() takes it out. The repr of every socket is shown at each
// step; as root the packets too, over a zero-delay line between two private namespaces.

import { defineExperiment } from "../../experiment.js";
import { handshakeCases, handshakePrediction } from "./model.js";

/** `lab handshake` and `sim handshake`, as the registry lists it. */
export const handshakeExperiment = defineExperiment({
  name: "handshake",
  summary: {
    en: "connect() completes before accept(); the accept queue goes 0 → 1 → 0",
    zh: "connect() 在 accept() 之前完成；accept 队列 0 → 1 → 0",
  },
  needsRoot: false,
  options: {},
  model: handshakeCases,
  predict: handshakePrediction,
  run: async (_o, hooks) => (await import("./run.js")).runHandshake(hooks),
  render: async (r, view) => (await import("./view.js")).renderHandshake(r, view),
  svg: async (r) => (await import("./view.js")).handshakeSvg(r),
});
