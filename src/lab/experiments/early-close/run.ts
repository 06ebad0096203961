// `lab early-close` on the kernel: connect, send and close before accept(), the states both sides then show, the
// queue after the hold, what accept() and recv() return, and the model's prediction for the same schedule.

import { LIVE_STATES, querySockets } from "../../../kernel/sock-diag.js";
import { Socket } from "../../../socket/socket.js";
import { simulate } from "../../../sim/listen-path.js";
import { withCleanup, type Cleanup } from "../../cleanup.js";
import { pollUntil, sleep, startClock } from "../../clock.js";
import type { RunHooks } from "../../experiment.js";
import { localModelEnvironment } from "../../model-environment.js";
import { queuesOf } from "../../queue-sampler.js";
import { listenOn, portOf } from "../../sockets.js";
import { Timeline } from "../../timeline.js";
import { compare } from "../../verdict.js";
import { earlyCloseModel, earlyClosePrediction } from "./model.js";
import type { EarlyCloseOptions } from "./options.js";
import type { EarlyCloseFacts, EarlyCloseResult } from "./result.js";

const MESSAGE = "hello before accept";

/** The listener and the client, and the run's story. */
interface Stage {
  server: Socket;
  client: Socket;
  timeline: Timeline;
}

/** What accept() and recv() gave once the hold was over. */
interface Late {
  acceptReturnsIt: string;
  received: string;
  thenEof: string;
}

/** Set up: a listener, a client, and the run's clock (to the millisecond, as the timeline has always read). */
function setUp(cleanup: Cleanup): Stage {
  const server = cleanup.add(new Socket());
  const client = cleanup.add(new Socket());
  return { server, client, timeline: new Timeline(startClock(0)) };
}

/** The state of the connection from port `local` to port `remote`, as sock_diag shows it; undefined once gone. */
function stateOf(local: number, remote: number): string | undefined {
  // sock_diag without TIME-WAIT: /proc/net/tcp on a busy host lists tens of thousands of those, slowly.
  return querySockets(LIVE_STATES).find((e) => e.localPort === local && e.remotePort === remote)?.state;
}

/** The connection's state once it shows `awaited`, or what it shows after `limitMs`: "gone" once it is gone. */
async function stateOnce(local: number, remote: number, awaited: string, limitMs: number): Promise<string> {
  return (
    (await pollUntil(
      () => stateOf(local, remote),
      (st) => st === awaited,
      limitMs,
      10,
    )) ?? "gone"
  );
}

/** Provoke: connect, send, close, all before the server calls accept(). Returns the two ports. */
async function provoke(s: Stage): Promise<{ port: number; cport: number }> {
  const port = listenOn(s.server, "127.0.0.1", 5);
  await s.client.connect(["127.0.0.1", port]);
  const cport = portOf(s.client);
  await s.client.sendall(Buffer.from(MESSAGE));
  s.client.close();
  s.timeline.add("client", {
    en: `connect(), send ${JSON.stringify(MESSAGE)}, close(): FIN →`,
    zh: `connect(), 发送 ${JSON.stringify(MESSAGE)}, close(): FIN →`,
  });
  return { port, cport };
}

/** Observe: both sides' states once the close has arrived, then the queue after the hold. */
async function observe(s: Stage, port: number, cport: number, holdMs: number, hooks: RunHooks) {
  const serverState = await stateOnce(port, cport, "CLOSE-WAIT", 2000);
  // The server's kernel acknowledges the FIN (at once, or after its delayed-ACK timer): FIN-WAIT-1 → FIN-WAIT-2.
  const clientState = await stateOnce(cport, port, "FIN-WAIT-2", 1000);
  s.timeline.add("kernel", {
    en: `server side ${serverState}, client side ${clientState}; accept() not called`,
    zh: `服务端 ${serverState}, 客户端 ${clientState}; 未调用 accept()`,
  });
  if (holdMs >= 1000)
    hooks.progress?.(
      { en: `leaving the closed connection queued for ${holdMs} ms`, zh: `让已关闭的连接在队列中停留 ${holdMs} ms` },
      holdMs,
    );
  await sleep(holdMs);
  const queuedAfterHold = queuesOf(port)?.acceptQueue ?? 0;
  s.timeline.add("kernel", {
    en: `after ${holdMs} ms the accept queue still holds ${queuedAfterHold}`,
    zh: `${holdMs} ms 后 accept 队列中仍有 ${queuedAfterHold} 个`,
  });
  return { serverState, clientState, queuedAfterHold };
}

/** Then accept() it, and read the bytes and the EOF. */
async function acceptLate(s: Stage, cport: number): Promise<Late> {
  s.server.settimeout(2);
  const [conn, address] = await s.server.accept();
  try {
    const received = (await conn.recv(1024)).toString();
    const eof = (await conn.recv(1024)).length === 0;
    s.timeline.add("server", {
      en: `accept() returns it; recv() → ${JSON.stringify(received)}; recv() → EOF`,
      zh: `accept() 返回它; recv() → ${JSON.stringify(received)}; recv() → EOF`,
    });
    const acceptReturnsIt = Array.isArray(address) && address[1] === cport ? "yes" : "no";
    return { acceptReturnsIt, received, thenEof: eof ? "yes" : "no" };
  } finally {
    conn.close();
  }
}

/** Model: one client that closes at once, accept() after the same hold, on this namespace's settings. */
function model(holdMs: number): EarlyCloseFacts {
  return earlyClosePrediction(simulate(earlyCloseModel(holdMs, localModelEnvironment())));
}

/** Runs `lab early-close` on this kernel, in the current namespace. */
export async function runEarlyClose(o: EarlyCloseOptions, hooks: RunHooks = {}): Promise<EarlyCloseResult> {
  return withCleanup(async (cleanup) => {
    const s = setUp(cleanup);
    const { port, cport } = await provoke(s);
    const seen = await observe(s, port, cport, o.hold, hooks);
    const measured = { ...seen, ...(await acceptLate(s, cport)) };
    const predicted = model(o.hold);
    const verdict = compare(measured, predicted);
    return { experiment: "early-close", holdMs: o.hold, measured, predicted, timeline: s.timeline.steps, verdict };
  });
}
