// `lab handshake` on the kernel: listen(1), connect(), accept(), with the accept queue's depth and every socket's
// repr after each step, over a logged delay line as root, and the model's prediction for one client.

import { isRoot } from "../../../libc/platform.js";
import { Socket } from "../../../socket/socket.js";
import { simulate } from "../../../sim/listen-path.js";
import { withCleanup, type Cleanup } from "../../cleanup.js";
import { startClock } from "../../clock.js";
import { DelayLine, SERVER_ADDRESS } from "../../delay-line.js";
import { localModelEnvironment } from "../../model-environment.js";
import { queuesOf } from "../../queue-sampler.js";
import { listenOn } from "../../sockets.js";
import { Timeline } from "../../timeline.js";
import { compare } from "../../verdict.js";
import { handshakeModel, handshakePrediction } from "./model.js";
import type { HandshakeFacts, HandshakeResult, HandshakeStep } from "./result.js";

/** What each field of a socket's repr means: the result carries them in English, as --json shows them. */
const FIELD_NOTES: Record<string, string> = {
  fd: "the file descriptor: the process's number for the kernel socket (each accept() makes a new one)",
  family: "the address family: AF_INET is IPv4 (AF_INET6 IPv6, AF_UNIX local paths)",
  type: "SOCK_STREAM is TCP's byte stream (SOCK_DGRAM would be UDP datagrams)",
  proto: "the protocol number: 0 lets the kernel pick TCP for a stream; sockets made from getaddrinfo() show 6 (TCP)",
  laddr: "the local address (getsockname): the listener's port, or the client's ephemeral port chosen at connect()",
  raddr: "the remote address (getpeername): only connected sockets have one; a listener never does",
};

/** Where the run happens: over a logged zero-delay line between two namespaces (root), or on loopback. */
interface Place {
  line: DelayLine | null;
  host: string;
  now: () => number;
  inServer<T>(fn: () => T): T;
  inClient<T>(fn: () => T): T;
}

/** Set up the place: the delay line when capturing packets, or loopback and a clock to a hundredth of a ms. */
function place(packets: boolean, cleanup: Cleanup): Place {
  const line = packets ? cleanup.add(DelayLine.create(() => 0)) : null;
  return {
    line,
    host: line ? SERVER_ADDRESS : "127.0.0.1",
    now: line ? () => line.now() : startClock(2),
    inServer: (fn) => (line ? line.inServer(fn) : fn()),
    inClient: (fn) => (line ? line.inClient(fn) : fn()),
  };
}

/** The listener, the client and the connection accept() returns, and what the run records at each step. */
class Stage {
  readonly steps: HandshakeStep[] = [];
  readonly timeline: Timeline;
  readonly server: Socket;
  readonly client: Socket;
  readonly port: number;
  conn: Socket | null = null;

  /** Set up: a listener with listen(1) on the server's side, a client on the client's. */
  constructor(
    readonly at: Place,
    cleanup: Cleanup,
  ) {
    this.server = cleanup.add(at.inServer(() => new Socket()));
    this.client = cleanup.add(at.inClient(() => new Socket()));
    cleanup.defer(() => this.conn?.close());
    this.timeline = new Timeline(at.now);
    this.port = listenOn(this.server, at.host, 1);
  }

  /** Observe: records `step` with the accept queue's depth and every socket's repr now; returns the depth. */
  snap(step: string): number {
    const sockets: Record<string, string> = { listener: String(this.server), client: String(this.client) };
    if (this.conn) sockets.accepted = String(this.conn);
    const acceptQueue = this.at.inServer(() => queuesOf(this.port)?.acceptQueue ?? -1);
    this.steps.push({ t: this.at.now(), step, acceptQueue, sockets });
    return acceptQueue;
  }
}

/** Provoke and observe: connect() with no accept(), then accept(); the queue's depth before, between and after. */
async function connectThenAccept(s: Stage): Promise<HandshakeFacts> {
  const queueBeforeConnect = s.snap("socket(), bind() and listen(1) on the server; socket() on the client");
  s.timeline.add("client", { en: "connect(): SYN →", zh: "connect(): SYN →" });
  await s.client.connect([s.at.host, s.port]);
  s.timeline.add("kernel", {
    en: "← SYN-ACK, ACK →: handshake done in the kernel; connect() returns",
    zh: "← SYN-ACK, ACK →: 握手在内核中完成; connect() 返回",
  });
  const queueAfterConnect = s.snap("connect() has returned; the server has not called accept()");
  s.timeline.add("server", {
    en: "accept(): takes the connection from the accept queue",
    zh: "accept(): 从 accept 队列中取出连接",
  });
  [s.conn] = await s.server.accept();
  const queueAfterAccept = s.snap("accept() has returned a new socket for the connection");
  return { connectBeforeAccept: "yes", queueBeforeConnect, queueAfterConnect, queueAfterAccept };
}

/** Model: one client, accept() well after its handshake, on this namespace's settings. */
function model(): HandshakeFacts {
  return handshakePrediction(simulate(handshakeModel(localModelEnvironment())));
}

/**
 * Runs `lab handshake` on this kernel; `packets` captures them over a delay line between two private namespaces
 * (needs root; the default when root).
 */
export async function runHandshake(packets = isRoot()): Promise<HandshakeResult> {
  return withCleanup(async (cleanup) => {
    const s = new Stage(place(packets, cleanup), cleanup);
    const measured = await connectThenAccept(s);
    const predicted = model();
    return {
      experiment: "handshake",
      steps: s.steps,
      fields: FIELD_NOTES,
      measured,
      predicted,
      timeline: s.timeline.steps,
      packets: s.at.line ? s.at.line.log.slice() : null,
      verdict: compare(measured, predicted),
    };
  });
}
