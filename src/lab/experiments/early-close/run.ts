// `socketkit lab early-close`: a client connects, sends a few bytes and closes before the server accepts. The
// connection stays in the accept queue — CLOSE-WAIT on the server's side, FIN-WAIT-2 on the client's — and no
// timeout removes it: accept() still returns it, recv() reads the bytes, then EOF.

import { LIVE_STATES, listenerQueues, querySockets } from "../../../kernel/sock-diag.js";
import { Socket } from "../../../socket/socket.js";
import { simulate, type SimResult } from "../../../sim/listen-path.js";
import { compare, type TimelineStep, type Verdict } from "../../result.js";
import type { SimParams } from "../../../sim/params.js";
import type { Experiment, ModelEnvironment, RunHooks } from "../../experiment.js";
import { localModelEnvironment } from "../../model-environment.js";
import { pollUntil, sleep, startClock } from "../../clock.js";
import { renderSequence } from "../../sequence-text.js";
import { fit, say, verdictLines, type View } from "../../view.js";
import { sequenceSvg } from "../../svg.js";

export interface EarlyCloseOptions {
  /** How long the closed connection is left in the queue before accept(), ms. */
  holdMs?: number;
}

interface Facts extends Record<string, string | number> {
  serverState: string;
  clientState: string;
  queuedAfterHold: number;
  acceptReturnsIt: string;
}

export interface EarlyCloseResult {
  experiment: "early-close";
  holdMs: number;
  measured: Facts & { received: string; thenEof: string };
  predicted: Facts;
  timeline: TimelineStep[];
  verdict: Verdict;
}

const MESSAGE = "hello before accept";

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

function prediction(model: SimResult): Facts {
  const holdMs = model.params.acceptFromMs ?? 0;
  const c = model.connections[0]!;
  const before = [...c.timeline].reverse().find((e) => e.t < holdMs)!;
  return {
    serverState: before.server,
    clientState: before.client,
    queuedAfterHold: model.observation.acceptQueue,
    acceptReturnsIt: c.acceptedAt !== null ? "yes" : "no",
  };
}

/** Provoke: connect, send, close, all before the server calls accept(); then wait for both sides' states. */
async function provoke(server: Socket, client: Socket, now: () => number) {
  server.bind(["127.0.0.1", 0]);
  server.listen(5);
  const [, port] = server.getsockname() as [string, number];
  await client.connect(["127.0.0.1", port]);
  const [, cport] = client.getsockname() as [string, number];
  await client.sendall(Buffer.from(MESSAGE));
  client.close();
  const closedAt = now();
  // sock_diag without TIME-WAIT: /proc/net/tcp on a busy host lists tens of thousands of those, slowly.
  const stateOf = (local: number, remote: number) =>
    querySockets(LIVE_STATES).find((e) => e.localPort === local && e.remotePort === remote)?.state;
  const serverState =
    (await pollUntil(
      () => stateOf(port, cport),
      (s) => s === "CLOSE-WAIT",
      2000,
      10,
    )) ?? "gone";
  // The server's kernel acknowledges the FIN (at once, or after its delayed-ACK timer): FIN-WAIT-1 → FIN-WAIT-2.
  const clientState =
    (await pollUntil(
      () => stateOf(cport, port),
      (s) => s === "FIN-WAIT-2",
      1000,
      10,
    )) ?? "gone";
  return { port, cport, serverState, clientState, closedAt };
}

/** Observe after the hold, then accept() it and read the bytes and the EOF. */
async function acceptLate(server: Socket, cport: number) {
  server.settimeout(2);
  const [conn, address] = await server.accept();
  try {
    const received = (await conn.recv(1024)).toString();
    const eof = (await conn.recv(1024)).length === 0;
    return {
      acceptReturnsIt: Array.isArray(address) && address[1] === cport ? "yes" : "no",
      received,
      thenEof: eof ? "yes" : "no",
    };
  } finally {
    conn.close();
  }
}

export async function runEarlyClose(options: EarlyCloseOptions = {}, hooks: RunHooks = {}): Promise<EarlyCloseResult> {
  const holdMs = options.holdMs ?? 1000;
  const now = startClock(0);
  const timeline: TimelineStep[] = [];
  const server = new Socket();
  const client = new Socket();
  try {
    const { port, cport, serverState, clientState, closedAt } = await provoke(server, client, now);
    timeline.push({
      t: closedAt,
      who: "client",
      what: `connect(), send ${JSON.stringify(MESSAGE)}, close(): FIN →`,
      zh: `connect(), 发送 ${JSON.stringify(MESSAGE)}, close(): FIN →`,
    });
    timeline.push({
      t: now(),
      who: "kernel",
      what: `server side ${serverState}, client side ${clientState}; accept() not called`,
      zh: `服务端 ${serverState}, 客户端 ${clientState}; 未调用 accept()`,
    });
    if (holdMs >= 1000)
      hooks.progress?.(
        { en: `leaving the closed connection queued for ${holdMs} ms`, zh: `让已关闭的连接在队列中停留 ${holdMs} ms` },
        holdMs,
      );
    await sleep(holdMs);
    const queuedAfterHold = listenerQueues(querySockets(LIVE_STATES), port)[0]?.acceptQueue ?? 0;
    timeline.push({
      t: now(),
      who: "kernel",
      what: `after ${holdMs} ms the accept queue still holds ${queuedAfterHold}`,
      zh: `${holdMs} ms 后 accept 队列中仍有 ${queuedAfterHold} 个`,
    });
    const late = await acceptLate(server, cport);
    timeline.push({
      t: now(),
      who: "server",
      what: `accept() returns it; recv() → ${JSON.stringify(late.received)}; recv() → EOF`,
      zh: `accept() 返回它; recv() → ${JSON.stringify(late.received)}; recv() → EOF`,
    });
    const measured = { serverState, clientState, queuedAfterHold, ...late };
    const predicted = prediction(simulate(earlyCloseModel(holdMs, localModelEnvironment())));
    return { experiment: "early-close", holdMs, measured, predicted, timeline, verdict: compare(measured, predicted) };
  } finally {
    client.close();
    server.close();
  }
}

export function renderEarlyClose(r: EarlyCloseResult, view: View): string[] {
  const m = r.measured;
  return fit(view, [
    ...renderSequence(view, r.timeline),
    "",
    say(view, {
      en: `  server side ${m.serverState}, client side ${m.clientState}; still queued after ${r.holdMs} ms: ${m.queuedAfterHold}`,
      zh: `  服务端 ${m.serverState}, 客户端 ${m.clientState}; ${r.holdMs} ms 后仍在队列中: ${m.queuedAfterHold}`,
    }),
    ...verdictLines(view, r.verdict.agree, r.verdict.differences),
  ]);
}

export const earlyCloseExperiment: Experiment<EarlyCloseResult> = {
  name: "early-close",
  summary: {
    en: "a client that sends and closes before accept() is still accepted, bytes and EOF intact",
    zh: "在 accept() 之前发送并关闭的客户端仍会被 accept, 数据和 EOF 完整",
  },
  needsRoot: false,
  options: [
    {
      name: "hold",
      default: 1000,
      min: 1,
      max: 600_000,
      help: { en: "ms the closed connection waits before accept()", zh: "已关闭的连接在 accept() 前等待的毫秒数" },
    },
  ],
  model: (o, env) => [
    {
      label: `client closes at once, accept() at ${o.hold} ms`,
      zh: `客户端立即关闭, ${o.hold} ms 时 accept()`,
      params: earlyCloseModel(o.hold!, env),
    },
  ],
  predict: (runs) => runs.map(prediction),
  run: (o, hooks) => runEarlyClose({ holdMs: o.hold! }, hooks),
  svg: (r) => sequenceSvg("lab early-close", r.timeline),
  render: renderEarlyClose,
};
