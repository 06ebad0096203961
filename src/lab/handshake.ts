// `socketkit lab handshake`: the three-way handshake completes in the kernel before the application calls accept().
// A client connects to a listener that has not called accept(): connect() returns, the connection waits in the
// accept queue (depth 0 → 1), and accept() takes it out. The repr of every socket is shown at each step.

import { listenerQueues, querySockets } from "../kernel/sock-diag.js";
import { Socket } from "../socket/socket.js";
import { simulate } from "../sim/listen-path.js";
import { DelayLine, SERVER_ADDRESS, type LoggedPacket } from "./delay-line.js";
import { canMakeNamespaces } from "./private-namespace.js";
import { compare, type TimelineStep, type Verdict } from "./result.js";

export interface HandshakeResult {
  experiment: "handshake";
  steps: Array<{ t: number; step: string; acceptQueue: number; sockets: Record<string, string> }>;
  /** What each field of a socket's repr means, for the listening, client and accepted sockets. */
  fields: Record<string, string>;
  measured: { connectBeforeAccept: string; queueBeforeConnect: number; queueAfterConnect: number; queueAfterAccept: number };
  predicted: { connectBeforeAccept: string; queueBeforeConnect: number; queueAfterConnect: number; queueAfterAccept: number };
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

export async function runHandshake(options: HandshakeOptions = {}): Promise<HandshakeResult> {
  const steps: HandshakeResult["steps"] = [];
  const timeline: TimelineStep[] = [];
  // With root, client and server live in namespaces joined by a zero-delay line whose forwarder logs each packet.
  const line = (options.packets ?? canMakeNamespaces()) ? DelayLine.create(() => 0) : null;
  // One clock for the steps and the packets.
  const t0 = performance.now();
  const now = line ? () => line.now() : () => Math.round((performance.now() - t0) * 100) / 100;
  const inServer = <T>(fn: () => T): T => (line ? line.inServer(fn) : fn());
  const queueDepth = (port: number) => inServer(() => listenerQueues(querySockets(), port)[0]?.acceptQueue ?? -1);
  const server = inServer(() => new Socket());
  const client = line ? line.inClient(() => new Socket()) : new Socket();
  const host = line ? SERVER_ADDRESS : "127.0.0.1";
  let conn: Socket | null = null;
  try {
    server.bind([host, 0]);
    server.listen(1);
    const [, port] = server.getsockname() as [string, number];
    const snap = (step: string) => {
      const sockets: Record<string, string> = { listener: String(server), client: String(client) };
      if (conn) sockets.accepted = String(conn);
      steps.push({ t: now(), step, acceptQueue: queueDepth(port), sockets });
    };
    snap("socket(), bind() and listen(1) on the server; socket() on the client");
    const queueBeforeConnect = steps[0]!.acceptQueue;
    timeline.push({ t: now(), who: "client", what: "connect(): SYN →" });
    await client.connect([host, port]);
    timeline.push({ t: now(), who: "kernel", what: "← SYN-ACK, ACK →: handshake done in the kernel; connect() returns" });
    snap("connect() has returned; the server has not called accept()");
    const queueAfterConnect = steps[1]!.acceptQueue;
    timeline.push({ t: now(), who: "server", what: "accept(): takes the connection from the accept queue" });
    [conn] = await server.accept();
    snap("accept() has returned a new socket for the connection");
    const queueAfterAccept = steps[2]!.acceptQueue;

    const model = simulate({ backlog: 1, clients: 1, acceptFromMs: 100, observeAtMs: 50, durationMs: 200 });
    const c = model.connections[0]!;
    const predicted = {
      connectBeforeAccept: c.connectedAt !== null && c.acceptedAt !== null && c.connectedAt < c.acceptedAt ? "yes" : "no",
      queueBeforeConnect: 0,
      queueAfterConnect: model.observation.acceptQueue,
      queueAfterAccept: 0,
    };
    const measured = { connectBeforeAccept: "yes", queueBeforeConnect, queueAfterConnect, queueAfterAccept };
    const packets = line ? line.log.slice() : null;
    return { experiment: "handshake", steps, fields: FIELD_NOTES, measured, predicted, timeline, packets, verdict: compare(measured, predicted) };
  } finally {
    conn?.close();
    client.close();
    server.close();
    line?.close();
  }
}
