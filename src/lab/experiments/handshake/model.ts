// The model's side of `lab handshake`: one client, accept() well after its handshake, and the model's answer in the
// facts the lab's claims state.

import type { SimResult } from "../../../sim/listen-path.js";
import type { SimParams } from "../../../sim/params.js";
import type { ModelCase } from "../../experiment.js";
import type { ModelEnvironment } from "../../model-environment.js";
import type { HandshakeFacts } from "./result.js";

/** The model's parameters: one client, accept() well after its handshake. */
export function handshakeModel(env: ModelEnvironment): Partial<SimParams> {
  return { ...env, backlog: 1, clients: 1, acceptFromMs: 100, observeAtMs: 50, durationMs: 200 };
}

/** The one case of `lab handshake`. */
export function handshakeCases(_o: unknown, env: ModelEnvironment): ModelCase[] {
  return [
    {
      setting: {},
      label: "one client, accept() at 100 ms",
      zh: "一个客户端，100 ms 时 accept()",
      params: handshakeModel(env),
    },
  ];
}

/** Whether connect() completed before accept(), and the queue's depth around them. */
export function handshakePrediction(model: SimResult): HandshakeFacts {
  const c = model.connections[0]!;
  return {
    connectBeforeAccept: c.connectedAt !== null && c.acceptedAt !== null && c.connectedAt < c.acceptedAt ? "yes" : "no",
    queueBeforeConnect: 0,
    queueAfterConnect: model.observation.acceptQueue,
    queueAfterAccept: 0,
  };
}
