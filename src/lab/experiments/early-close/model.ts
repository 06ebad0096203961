// The model's side of `lab early-close`: one client that sends and closes at once, accept() after the hold, and the
// model's answer in the facts the lab's claims state.

import type { SimResult } from "../../../sim/listen-path.js";
import type { SimParams } from "../../../sim/params.js";
import type { ModelCase } from "../../experiment.js";
import type { ModelEnvironment } from "../../model-environment.js";
import type { EarlyCloseOptions } from "./options.js";
import type { EarlyCloseFacts } from "./result.js";

/** The model's parameters: one client that sends and closes at once, accept() after `holdMs`. */
export function earlyCloseModel(holdMs: number, env: ModelEnvironment): Partial<SimParams> {
  return {
    ...env,
    backlog: 5,
    clients: 1,
    clientsCloseEarly: true,
    acceptFromMs: holdMs,
    observeAtMs: holdMs - 1,
    durationMs: holdMs + 10,
  };
}

/** The one case of `lab early-close`. */
export function earlyCloseCases(o: EarlyCloseOptions, env: ModelEnvironment): ModelCase[] {
  return [
    {
      setting: {},
      label: `client closes at once, accept() at ${o.hold} ms`,
      zh: `客户端立即关闭，${o.hold} ms 时 accept()`,
      params: earlyCloseModel(o.hold, env),
    },
  ];
}

/** The connection's states just before accept(), and whether accept() returned it, bytes and EOF intact. */
export function earlyClosePrediction(model: SimResult): EarlyCloseFacts {
  const holdMs = model.params.acceptFromMs ?? 0;
  const c = model.connections[0]!;
  const before = [...c.timeline].reverse().find((e) => e.t < holdMs)!;
  const accepted = c.acceptedAt !== null ? "yes" : "no";
  return {
    serverState: before.server,
    clientState: before.client,
    queuedAfterHold: model.observation.acceptQueue,
    acceptReturnsIt: accepted,
    // The model queues the bytes and the FIN with the connection: accept() hands over both.
    bytesThenEof: accepted,
  };
}
