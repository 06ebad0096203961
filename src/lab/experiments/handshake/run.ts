// `lab handshake` on the kernel: listen(1), connect(), accept(), with the accept queue's depth (two ways) and every
// socket's repr after each step — over a logged zero-delay line between two namespaces as root, on loopback
// otherwise — and the model's prediction for one client; the claims are read once the capture is complete.

import { isRoot } from "../../../libc/platform.js";
import { Socket } from "../../../socket/socket.js";
import { withCleanup, type Cleanup } from "../../cleanup.js";
import type { RunHooks } from "../../experiment.js";
import { allMarkers, type Marker } from "../../markers.js";
import { predictCases } from "../../model-cases.js";
import { Place } from "../../place.js";
import { queuesOf } from "../../queue-sampler.js";
import { listenOn, portOf } from "../../sockets.js";
import { Timeline } from "../../timeline.js";
import { handshakeClaims, type QueueReading } from "./claims.js";
import { handshakeCases, handshakePrediction } from "./model.js";
import type { HandshakeResult, HandshakeStep } from "./result.js";

/** What each field of a socket's repr means: the result carries them in English, as --json shows them. */
const FIELD_NOTES: Record<string, string> = {
  fd: "the file descriptor: the process's number for the kernel socket (each accept() makes a new one)",
  family: "the address family: AF_INET is IPv4 (AF_INET6 IPv6, AF_UNIX local paths)",
  type: "SOCK_STREAM is TCP's byte stream (SOCK_DGRAM would be UDP datagrams)",
  proto: "the protocol number: 0 lets the kernel pick TCP for a stream; sockets made from getaddrinfo() show 6 (TCP)",
  laddr: "the local address (getsockname): the listener's port, or the client's ephemeral port chosen at connect()",
  raddr: "the remote address (getpeername): only connected sockets have one; a listener never does",
};

/** The listener, the client and the connection accept() returns, and what the run records at each step. */
class Stage {
  readonly steps: HandshakeStep[] = [];
  readonly timeline: Timeline;
  readonly markers: Marker[] = [];
  readonly server: Socket;
  readonly client: Socket;
  readonly port: number;
  conn: Socket | null = null;

  /** Set up: a listener with listen(1) on the server's side, a client on the client's, the queue probed. */
  constructor(
    readonly at: Place,
    cleanup: Cleanup,
  ) {
    this.server = cleanup.add(at.inServer(() => new Socket()));
    this.client = cleanup.add(at.inClient(() => new Socket()));
    cleanup.defer(() => this.conn?.close());
    this.timeline = new Timeline(at.now);
    this.port = listenOn(this.server, at.host, 1);
    at.probeQueue(() => this.server.tcpInfo().unacked);
  }

  /** Observe: records `step` with the accept queue's depth (sock_diag and tcp_info) and every socket's repr now. */
  snap(step: string): QueueReading {
    const sockets: Record<string, string> = { listener: String(this.server), client: String(this.client) };
    if (this.conn) sockets.accepted = String(this.conn);
    const sockDiag = this.at.inServer(() => queuesOf(this.port)?.acceptQueue ?? -1);
    this.steps.push({ t: this.at.now(), step, acceptQueue: sockDiag, sockets });
    return { sockDiag, tcpInfo: this.server.tcpInfo().unacked };
  }
}

/** Provoke and observe: connect() with no accept(), then accept(); the queue before, between and after. */
async function connectThenAccept(s: Stage) {
  const before = s.snap("socket(), bind() and listen(1) on the server; socket() on the client");
  s.timeline.add(
    "server",
    { en: "listen(1): accept() not called yet", zh: "listen(1)：尚未调用 accept()" },
    s.at.now(),
    before.sockDiag,
  );
  s.timeline.add("client", { en: "connect(): its kernel sends the SYN", zh: "connect()：客户端内核发出 SYN" });
  await s.client.connect([s.at.host, s.port]);
  // Its kernel sent the ACK as the SYN-ACK made the connection; once the line has carried it, connect() returned.
  await s.at.settled();
  const connectReturnedAt = s.at.now();
  s.markers.push({ t: connectReturnedAt, kind: "connect() returns" });
  const afterConnect = s.snap("connect() has returned; the server has not called accept()");
  s.timeline.add(
    "client",
    { en: "connect() returned", zh: "connect() 返回" },
    connectReturnedAt,
    afterConnect.sockDiag,
  );
  const acceptCalledAt = s.at.now();
  s.timeline.add("server", { en: "accept() called", zh: "调用 accept()" }, acceptCalledAt);
  [s.conn] = await s.server.accept();
  s.markers.push({ t: s.at.now(), kind: "accept() returns" });
  const afterAccept = s.snap("accept() has returned a new socket for the connection");
  const fd = s.conn.fileno();
  s.timeline.add(
    "server",
    { en: `accept() returned a new socket, fd ${fd}`, zh: `accept() 返回新的 socket，fd ${fd}` },
    s.at.now(),
    afterAccept.sockDiag,
  );
  return { connectReturnedAt, acceptCalledAt, before, afterConnect, afterAccept };
}

/**
 * Runs `lab handshake` on this kernel; `packets` captures them over a delay line between two private namespaces
 * (needs root; the default when root).
 */
export async function runHandshake(hooks: RunHooks = {}, packets = isRoot()): Promise<HandshakeResult> {
  return withCleanup(async (cleanup) => {
    const s = new Stage(Place.open(cleanup, { line: packets }), cleanup);
    const settings = s.at.settings();
    const seen = await connectThenAccept(s);
    const capture = await s.at.finish(hooks);
    const [modelled] = predictCases(handshakeCases({}, settings), handshakePrediction);
    const judged = handshakeClaims({ port: portOf(s.client), ...seen, capture }, modelled!.predicted);
    const evidence = {
      packets: capture?.packets.slice() ?? null,
      series: [],
      timeline: s.timeline.steps,
      markers: allMarkers(s.markers, capture),
      steps: s.steps,
      fields: FIELD_NOTES,
    };
    const one = { ...modelled!, ...judged, evidence };
    return { experiment: "handshake", source: "lab", options: {}, settings, cases: [one], verdict: one.verdict };
  });
}
