// `lab early-close` on the kernel: connect, send and close before accept(), the states both sides then show, the
// queue after the hold, what accept() and recv() return, and the model's prediction for the same schedule.

import { LIVE_STATES, listenerQueues, querySockets } from "../../../kernel/sock-diag.js";
import { Socket } from "../../../socket/socket.js";
import { simulate } from "../../../sim/listen-path.js";
import type { TimelineStep } from "../../result.js";
import { compare } from "../../verdict.js";
import type { RunHooks } from "../../experiment.js";
import { localModelEnvironment } from "../../model-environment.js";
import { pollUntil, sleep, startClock } from "../../clock.js";
import { earlyCloseModel, earlyClosePrediction } from "./model.js";
import type { EarlyCloseOptions } from "./options.js";
import type { EarlyCloseResult } from "./result.js";

const MESSAGE = "hello before accept";

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

export async function runEarlyClose(o: EarlyCloseOptions, hooks: RunHooks = {}): Promise<EarlyCloseResult> {
  const holdMs = o.hold;
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
    const predicted = earlyClosePrediction(simulate(earlyCloseModel(holdMs, localModelEnvironment())));
    return { experiment: "early-close", holdMs, measured, predicted, timeline, verdict: compare(measured, predicted) };
  } finally {
    client.close();
    server.close();
  }
}
