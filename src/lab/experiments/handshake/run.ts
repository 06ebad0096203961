// `lab handshake` on the kernel: listen(1), connect(), accept(), with the accept queue's depth and every socket's
// repr after each step, over a logged delay line as root, and the model's prediction for one client.

import { LIVE_STATES, listenerQueues, querySockets } from "../../../kernel/sock-diag.js";
import { isRoot } from "../../../libc/platform.js";
import { Socket } from "../../../socket/socket.js";
import { simulate } from "../../../sim/listen-path.js";
import { DelayLine, SERVER_ADDRESS } from "../../delay-line.js";
import type { TimelineStep } from "../../result.js";
import { compare } from "../../verdict.js";
import { startClock } from "../../clock.js";
import { localModelEnvironment } from "../../model-environment.js";
import { handshakeModel, handshakePrediction } from "./model.js";
import type { HandshakeResult } from "./result.js";

/** What each field of a socket's repr means: the result carries them in English, as --json shows them. */
const FIELD_NOTES: Record<string, string> = {
  fd: "the file descriptor: the process's number for the kernel socket (each accept() makes a new one)",
  family: "the address family: AF_INET is IPv4 (AF_INET6 IPv6, AF_UNIX local paths)",
  type: "SOCK_STREAM is TCP's byte stream (SOCK_DGRAM would be UDP datagrams)",
  proto: "the protocol number: 0 lets the kernel pick TCP for a stream; sockets made from getaddrinfo() show 6 (TCP)",
  laddr: "the local address (getsockname): the listener's port, or the client's ephemeral port chosen at connect()",
  raddr: "the remote address (getpeername): only connected sockets have one; a listener never does",
};

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

/**
 * Runs the handshake on this kernel; `packets` captures them over a delay line between two private namespaces
 * (needs root; the default when root).
 */
export async function runHandshake(packets = isRoot()): Promise<HandshakeResult> {
  const steps: HandshakeResult["steps"] = [];
  const timeline: TimelineStep[] = [];
  const at = setting(packets);
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
    const predicted = handshakePrediction(simulate(handshakeModel(localModelEnvironment())));
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
