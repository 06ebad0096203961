// `lab overflow` on the kernel, over a delay line: the queue filled, the burst that meets it, what the clients saw
// and the server counted, one more SYN held on the line and let through while the queue is full, then the drain —
// for each tcp_abort_on_overflow setting; its claims are read from the records once the capture is complete.

import { ConnectionResetError, BlockingIOError } from "../../../socket/errors.js";
import { Socket } from "../../../socket/socket.js";
import { deadlineFor, hasPassed, msLeft } from "../../../socket/timeout.js";
import { withCleanup, type Cleanup } from "../../cleanup.js";
import { pollUntil } from "../../clock.js";
import { HOLD, type DelayRule } from "../../delay-line.js";
import { sysctlsOf, type RunHooks } from "../../experiment.js";
import { allMarkers, type Marker } from "../../markers.js";
import { predictCases } from "../../model-cases.js";
import type { ModelEnvironment } from "../../model-environment.js";
import { Place } from "../../place.js";
import { QueueSampler, queuesOf, synRecvOf } from "../../queue-sampler.js";
import { runEachCase } from "../../run-cases.js";
import { listenOn, portOf } from "../../sockets.js";
import { overflowClaims, type OverflowRecords } from "./claims.js";
import { abortSettings, ACCEPT_WINDOW_MS, overflowCases, overflowPrediction } from "./model.js";
import { overflowOptions, type OverflowOptions } from "./options.js";
import type { OverflowCase, OverflowResult } from "./result.js";

/** One case's place, listener and clients, and what the run recorded on the way. */
interface Stage {
  place: Place;
  /** ListenOverflows when the case began. */
  before: number;
  server: Socket;
  port: number;
  clients: Socket[];
  late: Socket;
  /** Set to hold the next SYN a client sends: the late one, until the run lets it through. */
  hold: { next: boolean };
  sampler: QueueSampler;
  markers: Marker[];
  cleanup: Cleanup;
}

/** ListenOverflows in the server's namespace since the case began. */
function overflows(s: Stage): number {
  return s.place.tcpExt("ListenOverflows") - s.before;
}

/** Set up: the line with this case's sysctls, the listener behind it probed at every delivery, the clients. */
function setUp(abort: 0 | 1, o: OverflowOptions, cleanup: Cleanup): Stage {
  const hold = { next: false };
  const rule: DelayRule = (p) => {
    if (!(hold.next && p.from === "client" && p.syn && !p.ack)) return o.delay;
    hold.next = false;
    return HOLD;
  };
  const sysctls = { "net.ipv4.tcp_abort_on_overflow": abort, "net.ipv4.tcp_syncookies": 1 };
  const server = { ...sysctls, ...sysctlsOf(overflowOptions, o) };
  const place = Place.open(cleanup, { line: true, rule, sysctls: { server } });
  const listener = cleanup.add(place.inServer(() => new Socket()));
  const port = listenOn(listener, place.host, o.backlog);
  const make = () => cleanup.add(place.inClient(() => new Socket()));
  const clients = Array.from({ length: o.backlog + o.burst }, make);
  const late = make();
  const before = place.tcpExt("ListenOverflows");
  const source = {
    listener,
    clients: [...clients, late],
    synRecv: () => place.inServer(() => synRecvOf(port)),
    listenOverflows: () => place.tcpExt("ListenOverflows") - before,
  };
  const sampler = new QueueSampler(source, place.now).start(20);
  cleanup.defer(() => sampler.stop());
  place.probeQueue(() => listener.tcpInfo().unacked);
  place.onDelivered(() => sampler.markAfterPacket());
  return { place, before, server: listener, port, clients, late, hold, sampler, markers: [], cleanup };
}

/** Provoke: the queue holds `backlog` connections, each completed before the next; then the burst, all at once. */
async function provoke(s: Stage, o: OverflowOptions): Promise<number[]> {
  const connected: number[] = [];
  const connect = (c: Socket) =>
    c.connect([s.place.host, s.port]).then(
      () => {
        s.markers.push({ t: s.place.now(), kind: "connect() returns", port: portOf(c) });
        connected.push(portOf(c));
      },
      () => undefined,
    );
  for (const c of s.clients.slice(0, o.backlog)) await connect(c);
  await Promise.all(s.clients.slice(o.backlog).map(connect));
  return connected;
}

/** Whether each client was reset shows at its first recv(), without waiting: the line has settled already. */
async function resetPorts(clients: Socket[]): Promise<number[]> {
  const reset: number[] = [];
  await Promise.all(
    clients.map(async (c) => {
      c.settimeout(0);
      try {
        await c.recv(1);
      } catch (err) {
        if (err instanceof ConnectionResetError) reset.push(portOf(c));
        else if (!(err instanceof BlockingIOError)) throw err;
      }
    }),
  );
  return reset;
}

/** Observe, once the burst's ACKs (and resets) have crossed: the queue two ways, the counter, the resets. */
async function observe(s: Stage) {
  await s.place.settled();
  s.sampler.mark();
  const observedAt = s.place.now();
  s.markers.push({ t: observedAt, kind: "counts" });
  const queueSockDiag = s.place.inServer(() => queuesOf(s.port)?.acceptQueue ?? -1);
  const queueTcpInfo = s.server.tcpInfo().unacked;
  const overflowsCounted = overflows(s);
  return { observedAt, queueSockDiag, queueTcpInfo, overflowsCounted, resetPorts: await resetPorts(s.clients) };
}

/**
 * One more client while the queue is full. Its SYN is held on the line until the run has read the queue it will
 * meet, then let through; the kernel has judged it when the write returns, and any answer has crossed once the
 * line settles. Its connect() stays pending: it retransmits, and gets in after the drain.
 */
async function lateSyn(s: Stage): Promise<OverflowRecords["late"]> {
  s.hold.next = true;
  void s.late.connect([s.place.host, s.port]).catch(() => undefined);
  const line = s.place.line!;
  await pollUntil(
    () => line.heldCount(),
    (n) => n > 0,
    5000,
    1,
  );
  const metSockDiag = s.place.inServer(() => queuesOf(s.port)?.acceptQueue ?? -1);
  const before = overflows(s);
  s.markers.push({ t: s.place.now(), kind: "late SYN", port: portOf(s.late) });
  line.release();
  const overflowsDelta = overflows(s) - before;
  await s.place.settled();
  return { port: portOf(s.late), metSockDiag, overflowsDelta, stateAfter: s.late.tcpInfo().state };
}

/** Drain: accept() for the whole window, through the SYN-ACK and SYN retransmissions; the accepted peers' ports. */
async function drain(s: Stage, abort: 0 | 1, hooks: RunHooks): Promise<{ drainAt: number; acceptedPorts: number[] }> {
  hooks.progress?.(
    {
      en: `tcp_abort_on_overflow=${abort}: accepting for ${ACCEPT_WINDOW_MS / 1000} s, through the first retransmissions`,
      zh: `tcp_abort_on_overflow=${abort}：accept ${ACCEPT_WINDOW_MS / 1000} 秒，经过第一次重传`,
    },
    ACCEPT_WINDOW_MS,
  );
  const drainAt = s.place.now();
  s.markers.push({ t: drainAt, kind: "drain" });
  const acceptedPorts: number[] = [];
  for (const deadline = deadlineFor(ACCEPT_WINDOW_MS / 1000); !hasPassed(deadline);) {
    s.server.settimeout(Math.max(0.001, msLeft(deadline) / 1000));
    const [conn, peer] = await s.server.accept().catch(() => [null, null] as const);
    if (conn === null) continue;
    s.cleanup.add(conn);
    acceptedPorts.push(Array.isArray(peer) ? Number(peer[1]) : -1);
    s.markers.push({ t: s.place.now(), kind: "accept() returns", port: acceptedPorts.at(-1) });
  }
  return { drainAt, acceptedPorts };
}

/** The case's records once its capture is complete, for its claims. */
function records(s: Stage, max: number, parts: Omit<OverflowRecords, "max" | "ports">): OverflowRecords {
  return { max, ports: s.clients.map(portOf), ...parts };
}

/** One case, tcp_abort_on_overflow=`abort`, over a line of its own: set up, provoke, observe, drain, judge. */
async function runCase(abort: 0 | 1, o: OverflowOptions, hooks: RunHooks): Promise<[OverflowCase, ModelEnvironment]> {
  return withCleanup(async (cleanup) => {
    const s = setUp(abort, o, cleanup);
    const settings = s.place.settings();
    const connectedPorts = await provoke(s, o);
    const seen = await observe(s);
    const late = await lateSyn(s);
    const drained = await drain(s, abort, hooks);
    const capture = (await s.place.finish(hooks))!;
    const max = Math.min(o.backlog, settings.somaxconn ?? o.backlog);
    const r = records(s, max, { connectedPorts, ...seen, late, ...drained, capture });
    const one = { ...o, "abort-on-overflow": abort };
    const [modelled] = predictCases(overflowCases(one, settings), overflowPrediction);
    const markers = allMarkers(s.markers, capture);
    const evidence = { packets: capture.packets.slice(), series: s.sampler.stop(), timeline: [], markers };
    return [{ ...modelled!, ...overflowClaims(r, modelled!.predicted), evidence }, settings];
  });
}

/** Runs `lab overflow` on this kernel: each case over a delay line of its own (root). */
export async function runOverflow(o: OverflowOptions, hooks: RunHooks = {}): Promise<OverflowResult> {
  return runEachCase("overflow", o, abortSettings(o), (abort) => runCase(abort, o, hooks));
}
