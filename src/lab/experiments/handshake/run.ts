// `socketkit lab handshake`: the three-way handshake completes in the kernel before the application calls accept().
// A client connects to a listener that has not called accept(): connect() returns, the connection waits in the
// accept queue (depth 0 → 1), and accept() takes it out. The repr of every socket is shown at each step.

import { LIVE_STATES, listenerQueues, querySockets } from "../../../kernel/sock-diag.js";
import { isRoot } from "../../../libc/platform.js";
import { Socket } from "../../../socket/socket.js";
import { simulate, type SimResult } from "../../../sim/listen-path.js";
import { DelayLine, SERVER_ADDRESS, type LoggedPacket } from "../../delay-line.js";
import { compare, type TimelineStep, type Verdict } from "../../result.js";
import type { SimParams } from "../../../sim/params.js";
import type { Experiment, ModelEnvironment } from "../../experiment.js";
import { renderHandshake } from "./view.js";
import { startClock } from "../../clock.js";
import { localModelEnvironment } from "../../model-environment.js";
import { sequenceSvg } from "../../svg.js";

export interface HandshakeResult {
  experiment: "handshake";
  steps: Array<{ t: number; step: string; acceptQueue: number; sockets: Record<string, string> }>;
  /** What each field of a socket's repr means, for the listening, client and accepted sockets. */
  fields: Record<string, string>;
  measured: {
    connectBeforeAccept: string;
    queueBeforeConnect: number;
    queueAfterConnect: number;
    queueAfterAccept: number;
  };
  predicted: {
    connectBeforeAccept: string;
    queueBeforeConnect: number;
    queueAfterConnect: number;
    queueAfterAccept: number;
  };
  timeline: TimelineStep[];
  /** The packets on the wire with their times, when root could set up the delay line; null otherwise. */
  packets: LoggedPacket[] | null;
  verdict: Verdict;
}

export const FIELD_NOTES: Record<string, string> = {
  fd: "the file descriptor: the process's number for the kernel socket (each accept() makes a new one)",
  family: "the address family: AF_INET is IPv4 (AF_INET6 IPv6, AF_UNIX local paths)",
  type: "SOCK_STREAM is TCP's byte stream (SOCK_DGRAM would be UDP datagrams)",
  proto: "the protocol number: 0 lets the kernel pick TCP for a stream; sockets made from getaddrinfo() show 6 (TCP)",
  laddr: "the local address (getsockname): the listener's port, or the client's ephemeral port chosen at connect()",
  raddr: "the remote address (getpeername): only connected sockets have one; a listener never does",
};

export interface HandshakeOptions {
  /** Capture the packets over a delay line between two private namespaces (needs root; default: when root). */
  packets?: boolean;
}

/** The model's parameters: one client, accept() well after its handshake. */
export function handshakeModel(env: ModelEnvironment): Partial<SimParams> {
  return { ...env, backlog: 1, clients: 1, acceptFromMs: 100, observeAtMs: 50, durationMs: 200 };
}

function prediction(model: SimResult): HandshakeResult["predicted"] {
  const c = model.connections[0]!;
  return {
    connectBeforeAccept: c.connectedAt !== null && c.acceptedAt !== null && c.connectedAt < c.acceptedAt ? "yes" : "no",
    queueBeforeConnect: 0,
    queueAfterConnect: model.observation.acceptQueue,
    queueAfterAccept: 0,
  };
}

/** Where the experiment runs: over a logged zero-delay line between two namespaces (root), or on loopback. */
function setting(packets: boolean) {
  const line = packets ? DelayLine.create(() => 0) : null;
  return {
    line,
    now: line ? () => line.now() : startClock(2),
    inServer: <T>(fn: () => T): T => (line ? line.inServer(fn) : fn()),
    inClient: <T>(fn: () => T): T => (line ? line.inClient(fn) : fn()),
    host: line ? SERVER_ADDRESS : "127.0.0.1",
  };
}

export async function runHandshake(options: HandshakeOptions = {}): Promise<HandshakeResult> {
  const steps: HandshakeResult["steps"] = [];
  const timeline: TimelineStep[] = [];
  const at = setting(options.packets ?? isRoot());
  const server = at.inServer(() => new Socket());
  const client = at.inClient(() => new Socket());
  let conn: Socket | null = null;
  try {
    server.bind([at.host, 0]);
    server.listen(1);
    const [, port] = server.getsockname() as [string, number];
    const snap = (step: string) => {
      const sockets: Record<string, string> = { listener: String(server), client: String(client) };
      if (conn) sockets.accepted = String(conn);
      const acceptQueue = at.inServer(() => listenerQueues(querySockets(LIVE_STATES), port)[0]?.acceptQueue ?? -1);
      steps.push({ t: at.now(), step, acceptQueue, sockets });
      return acceptQueue;
    };
    const queueBeforeConnect = snap("socket(), bind() and listen(1) on the server; socket() on the client");
    timeline.push({ t: at.now(), who: "client", what: "connect(): SYN →", zh: "connect(): SYN →" });
    await client.connect([at.host, port]);
    timeline.push({
      t: at.now(),
      who: "kernel",
      what: "← SYN-ACK, ACK →: handshake done in the kernel; connect() returns",
      zh: "← SYN-ACK, ACK →: 握手在内核中完成; connect() 返回",
    });
    const queueAfterConnect = snap("connect() has returned; the server has not called accept()");
    timeline.push({
      t: at.now(),
      who: "server",
      what: "accept(): takes the connection from the accept queue",
      zh: "accept(): 从 accept 队列中取出连接",
    });
    [conn] = await server.accept();
    const queueAfterAccept = snap("accept() has returned a new socket for the connection");
    const measured = { connectBeforeAccept: "yes", queueBeforeConnect, queueAfterConnect, queueAfterAccept };
    const predicted = prediction(simulate(handshakeModel(localModelEnvironment())));
    const packets = at.line ? at.line.log.slice() : null;
    return {
      experiment: "handshake",
      steps,
      fields: FIELD_NOTES,
      measured,
      predicted,
      timeline,
      packets,
      verdict: compare(measured, predicted),
    };
  } finally {
    conn?.close();
    client.close();
    server.close();
    at.line?.close();
  }
}

export const handshakeExperiment: Experiment<HandshakeResult> = {
  name: "handshake",
  summary: {
    en: "connect() completes before accept(); the accept queue goes 0 → 1 → 0",
    zh: "connect() 在 accept() 之前完成; accept 队列 0 → 1 → 0",
  },
  needsRoot: false,
  options: [],
  model: (_o, env) => [
    { label: "one client, accept() at 100 ms", zh: "一个客户端, 100 ms 时 accept()", params: handshakeModel(env) },
  ],
  predict: (runs) => runs.map(prediction),
  run: () => runHandshake(),
  svg: (r) => sequenceSvg("lab handshake", r.timeline, r.packets ?? []),
  render: renderHandshake,
};
