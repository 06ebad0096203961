// `socketkit lab early-close`: a client connects, sends a few bytes and closes before the server accepts. The
// connection stays in the accept queue — CLOSE-WAIT on the server's side, FIN-WAIT-2 on the client's — and no
// timeout removes it: accept() still returns it, recv() reads the bytes, then EOF.

import { defineExperiment } from "../../experiment.js";
import { earlyCloseCases, earlyClosePrediction } from "./model.js";
import { earlyCloseOptions } from "./options.js";

/** `lab early-close` and `sim early-close`, as the registry lists it. */
export const earlyCloseExperiment = defineExperiment({
  name: "early-close",
  summary: {
    en: "a client that sends and closes before accept() is still accepted, bytes and EOF intact",
    zh: "在 accept() 之前发送并关闭的客户端仍会被 accept，数据和 EOF 完整",
  },
  needsRoot: false,
  options: earlyCloseOptions,
  model: earlyCloseCases,
  predict: earlyClosePrediction,
  run: async (o, hooks) => (await import("./run.js")).runEarlyClose(o, hooks),
  render: async (r, view) => (await import("./view.js")).renderEarlyClose(r, view),
  svg: async (r) => (await import("./view.js")).earlyCloseSvg(r),
});
