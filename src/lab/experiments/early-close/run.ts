// `lab early-close` on the kernel: connect, send and close before accept(), the states both sides then show, the
// queue after the hold, what accept() and recv() return — over a logged zero-delay line as root, on loopback
// otherwise — and the model's prediction for the same schedule; the claims are read once the capture is complete.

import { LIVE_STATES, querySockets } from "../../../kernel/sock-diag.js";
import { Socket } from "../../../socket/socket.js";
import { withCleanup, type Cleanup } from "../../cleanup.js";
import { pollUntil, sleep } from "../../clock.js";
import type { RunHooks } from "../../experiment.js";
import { allMarkers, type Marker } from "../../markers.js";
import { predictCases } from "../../model-cases.js";
import { Place } from "../../place.js";
import { queuesOf } from "../../queue-sampler.js";
import { listenOn, portOf } from "../../sockets.js";
import { Timeline } from "../../timeline.js";
import { earlyCloseClaims } from "./claims.js";
import { earlyCloseCases, earlyClosePrediction } from "./model.js";
import type { EarlyCloseOptions } from "./options.js";
import type { EarlyCloseResult } from "./result.js";

const MESSAGE = "hello before accept";

/** The listener and the client, and the run's story. */
interface Stage {
  place: Place;
  server: Socket;
  client: Socket;
  timeline: Timeline;
  markers: Marker[];
}

/** Set up: a place, a listener, a client. */
function setUp(cleanup: Cleanup): Stage {
  const place = Place.open(cleanup);
  const server = cleanup.add(place.inServer(() => new Socket()));
  const client = cleanup.add(place.inClient(() => new Socket()));
  place.probeQueue(() => server.tcpInfo().unacked);
  return { place, server, client, timeline: new Timeline(place.now), markers: [] };
}

/** The state of the connection from port `local` to port `remote` in the current namespace; undefined once gone. */
function stateOf(local: number, remote: number): string | undefined {
  // sock_diag without TIME-WAIT: /proc/net/tcp on a busy host lists tens of thousands of those, slowly.
  return querySockets(LIVE_STATES).find((e) => e.localPort === local && e.remotePort === remote)?.state;
}

/** The connection's state once it shows `awaited`, or what it shows after `limitMs`: "gone" once it is gone. */
async function stateOnce(read: () => string | undefined, awaited: string, limitMs: number): Promise<string> {
  return (await pollUntil(read, (st) => st === awaited, limitMs, 10)) ?? "gone";
}

/** Provoke: connect, send, close, all before the server calls accept(). Returns the two ports. */
async function provoke(s: Stage): Promise<{ port: number; cport: number }> {
  const port = listenOn(s.server, s.place.host, 5);
  await s.client.connect([s.place.host, port]);
  const cport = portOf(s.client);
  await s.client.sendall(Buffer.from(MESSAGE));
  s.client.close();
  s.timeline.add("client", {
    en: `connect(), send ${JSON.stringify(MESSAGE)}, close(): FIN →`,
    zh: `connect()，发送 ${JSON.stringify(MESSAGE)}，close()：FIN →`,
  });
  return { port, cport };
}

/** Observe: both sides' states once the close has arrived, then the queue after the hold, two ways. */
async function observe(s: Stage, port: number, cport: number, holdMs: number, hooks: RunHooks) {
  const serverState = await stateOnce(() => s.place.inServer(() => stateOf(port, cport)), "CLOSE-WAIT", 2000);
  // The server's kernel acknowledges the FIN (at once, or after its delayed-ACK timer): FIN-WAIT-1 → FIN-WAIT-2.
  const clientState = await stateOnce(() => s.place.inClient(() => stateOf(cport, port)), "FIN-WAIT-2", 1000);
  s.timeline.add("kernel", {
    en: `server side ${serverState}, client side ${clientState}; accept() not called`,
    zh: `服务端 ${serverState}，客户端 ${clientState}；未调用 accept()`,
  });
  if (holdMs >= 1000)
    hooks.progress?.(
      { en: `leaving the closed connection queued for ${holdMs} ms`, zh: `让已关闭的连接在队列中停留 ${holdMs} ms` },
      holdMs,
    );
  await sleep(holdMs);
  const queuedSockDiag = s.place.inServer(() => queuesOf(port)?.acceptQueue ?? 0);
  const queuedTcpInfo = s.server.tcpInfo().unacked;
  s.timeline.add(
    "kernel",
    {
      en: `after ${holdMs} ms the accept queue still holds ${queuedSockDiag}`,
      zh: `${holdMs} ms 后 accept 队列中仍有 ${queuedSockDiag} 个`,
    },
    s.place.now(),
    queuedSockDiag,
  );
  return { serverState, clientState, queuedSockDiag, queuedTcpInfo };
}

/** Then accept() it, and read the bytes and the EOF. */
async function acceptLate(s: Stage) {
  s.server.settimeout(2);
  const [conn, address] = await s.server.accept();
  s.markers.push({ t: s.place.now(), kind: "accept() returns" });
  try {
    const received = (await conn.recv(1024)).toString();
    const eof = (await conn.recv(1024)).length === 0;
    s.timeline.add("server", {
      en: `accept() returns it; recv() → ${JSON.stringify(received)}; recv() → ${eof ? "EOF" : "more"}`,
      zh: `accept() 返回它；recv() → ${JSON.stringify(received)}；recv() → ${eof ? "EOF" : "更多数据"}`,
    });
    return { acceptedPeerPort: Array.isArray(address) ? Number(address[1]) : -1, received, eof };
  } finally {
    conn.close();
  }
}

/** Runs `lab early-close` on this kernel: over a delay line as root, on this namespace's loopback otherwise. */
export async function runEarlyClose(o: EarlyCloseOptions, hooks: RunHooks = {}): Promise<EarlyCloseResult> {
  return withCleanup(async (cleanup) => {
    const s = setUp(cleanup);
    const settings = s.place.settings();
    const { port, cport } = await provoke(s);
    const seen = await observe(s, port, cport, o.hold, hooks);
    const late = await acceptLate(s);
    const capture = await s.place.finish(hooks);
    const [modelled] = predictCases(earlyCloseCases(o, settings), earlyClosePrediction);
    const records = { clientPort: cport, message: MESSAGE, ...seen, ...late, capture };
    const evidence = {
      packets: capture?.packets.slice() ?? null,
      series: [],
      timeline: s.timeline.steps,
      markers: allMarkers(s.markers, capture),
    };
    const one = { ...modelled!, ...earlyCloseClaims(records, modelled!.predicted), evidence };
    return { experiment: "early-close", source: "lab", options: o, settings, cases: [one], verdict: one.verdict };
  });
}
