// `socketkit lab early-close`: a client connects, sends a few bytes and closes before the server accepts. The
// connection stays in the accept queue — CLOSE-WAIT on the server's side, FIN-WAIT-2 on the client's — and no
// timeout removes it: accept() still returns it, recv() reads the bytes, then EOF.

import { readTcpSockets } from "../kernel/proc-net-tcp.js";
import { listenerQueues, querySockets } from "../kernel/sock-diag.js";
import { Socket } from "../socket/socket.js";
import { simulate } from "../sim/listen-path.js";
import { compare, type TimelineStep, type Verdict } from "./result.js";

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

async function until<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
  const end = performance.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined || performance.now() > end) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function runEarlyClose(options: EarlyCloseOptions = {}): Promise<EarlyCloseResult> {
  const holdMs = options.holdMs ?? 1000;
  const t0 = performance.now();
  const now = () => Math.round(performance.now() - t0);
  const timeline: TimelineStep[] = [];
  const server = new Socket();
  const client = new Socket();
  try {
    server.bind(["127.0.0.1", 0]);
    server.listen(5);
    const [, port] = server.getsockname() as [string, number];
    await client.connect(["127.0.0.1", port]);
    const [, cport] = client.getsockname() as [string, number];
    await client.sendall(Buffer.from(MESSAGE));
    client.close();
    timeline.push({ t: now(), who: "client", what: `connect(), send ${JSON.stringify(MESSAGE)}, close(): FIN →` });
    const stateOf = (local: number, remote: number) =>
      readTcpSockets().find((e) => e.localPort === local && e.remotePort === remote)?.state;
    const serverState = (await until(() => (stateOf(port, cport) === "CLOSE-WAIT" ? "CLOSE-WAIT" : undefined), 2000)) ?? stateOf(port, cport) ?? "gone";
    // The server's kernel acknowledges the FIN (at once, or after its delayed-ACK timer): FIN-WAIT-1 → FIN-WAIT-2.
    const clientState =
      (await until(() => (stateOf(cport, port) === "FIN-WAIT-2" ? "FIN-WAIT-2" : undefined), 1000)) ?? stateOf(cport, port) ?? "gone";
    timeline.push({ t: now(), who: "kernel", what: `server side ${serverState}, client side ${clientState}; accept() not called` });
    await new Promise((r) => setTimeout(r, holdMs));
    const queuedAfterHold = listenerQueues(querySockets(), port)[0]?.acceptQueue ?? 0;
    timeline.push({ t: now(), who: "kernel", what: `after ${holdMs} ms the accept queue still holds ${queuedAfterHold}` });
    server.settimeout(2);
    const [conn, address] = await server.accept();
    const accepted = Array.isArray(address) && address[1] === cport;
    const received = (await conn.recv(1024)).toString();
    const eof = (await conn.recv(1024)).length === 0;
    conn.close();
    timeline.push({ t: now(), who: "server", what: `accept() returns it; recv() → ${JSON.stringify(received)}; recv() → EOF` });

    const model = simulate({ backlog: 5, clients: 1, clientsCloseEarly: true, acceptFromMs: holdMs, observeAtMs: holdMs - 1, durationMs: holdMs + 10 });
    const c = model.connections[0]!;
    const before = [...c.timeline].reverse().find((e) => e.t < holdMs)!;
    const predicted: Facts = {
      serverState: before.server,
      clientState: before.client,
      queuedAfterHold: model.observation.acceptQueue,
      acceptReturnsIt: c.acceptedAt !== null ? "yes" : "no",
    };
    const measured = {
      serverState,
      clientState,
      queuedAfterHold,
      acceptReturnsIt: accepted ? "yes" : "no",
      received,
      thenEof: eof ? "yes" : "no",
    };
    return { experiment: "early-close", holdMs, measured, predicted, timeline, verdict: compare(measured, predicted) };
  } finally {
    client.close();
    server.close();
  }
}
