// `lab synqueue` on the kernel, over a delay line that holds the final ACKs: a burst of SYNs, the SYN queue and
// counters once every SYN is decided, the state held a while for the pictures, then the ACKs let through — for
// tcp_syncookies 0, 1 and 2; the claims are read from the records once the capture is complete.

import { counterDeltas, type Counters } from "../../../kernel/counters.js";
import { Socket } from "../../../socket/socket.js";
import { deadlineFor, msLeft } from "../../../socket/timeout.js";
import { withCleanup, type Cleanup } from "../../cleanup.js";
import { pollUntil, sleep } from "../../clock.js";
import { HOLD } from "../../delay-line.js";
import { sysctlsOf, type RunHooks } from "../../experiment.js";
import { allMarkers, type Marker } from "../../markers.js";
import { predictCases } from "../../model-cases.js";
import type { ModelEnvironment } from "../../model-environment.js";
import type { Packet } from "../../packet.js";
import { Place } from "../../place.js";
import { QueueSampler, queuesOf, synRecvOf } from "../../queue-sampler.js";
import { runEachCase } from "../../run-cases.js";
import { listenOn } from "../../sockets.js";
import { synQueueClaims } from "./claims.js";
import { synQueueCases, synQueuePrediction } from "./model.js";
import { synQueueOptions, type SynQueueOptions } from "./options.js";
import type { SynQueueCase, SynQueueResult } from "./result.js";

/** How long the run waits at most for every SYN to be decided. */
const DECIDE_LIMIT_MS = 10_000;
/** How long the counted state is held, and the aftermath of the release watched, so that the pictures show them. */
const SHOW_HELD_MS = 250;
const SHOW_AFTER_MS = 150;

/** One case's place, listener and clients. */
interface Stage {
  place: Place;
  server: Socket;
  port: number;
  before: Counters;
  clients: Socket[];
  sampler: QueueSampler;
  markers: Marker[];
}

/** Only the client's bare final ACK is held; everything else crosses at once. */
function finalAck(p: Packet): boolean {
  return p.from === "client" && p.ack && !p.syn && !p.fin && !p.rst && p.payload === 0;
}

/** Set up: a line that holds the final ACKs, with this case's sysctls; the listener behind it, the clients. */
function setUp(syncookies: 0 | 1 | 2, o: SynQueueOptions, cleanup: Cleanup): Stage {
  const server = {
    "net.ipv4.tcp_syncookies": syncookies,
    "net.ipv4.tcp_max_syn_backlog": o["max-syn-backlog"],
    ...sysctlsOf(synQueueOptions, o),
  };
  const place = Place.open(cleanup, { line: true, rule: (p) => (finalAck(p) ? HOLD : 0), sysctls: { server } });
  const listener = cleanup.add(place.inServer(() => new Socket()));
  const port = listenOn(listener, place.host, o.backlog);
  const before = place.counters();
  const clients = Array.from({ length: o.clients }, () => cleanup.add(place.inClient(() => new Socket())));
  const synRecv = () => place.inServer(() => synRecvOf(port));
  const sampler = new QueueSampler({ listener, clients, synRecv }, place.now).start(20);
  cleanup.defer(() => sampler.stop());
  place.probeQueue(() => listener.tcpInfo().unacked);
  place.onDelivered(() => sampler.markAfterPacket());
  return { place, server: listener, port, before, clients, sampler, markers: [] };
}

/** The server's counters moved since the case began. */
function counted(s: Stage) {
  const d = counterDeltas(s.before, s.place.counters());
  return {
    cookiesSent: d["TcpExt.SyncookiesSent"] ?? 0,
    reqQFullDoCookies: d["TcpExt.TCPReqQFullDoCookies"] ?? 0,
    listenDrops: d["TcpExt.ListenDrops"] ?? 0,
  };
}

/**
 * Observe once every SYN is accounted for — answered by a SYN-ACK on the line, or counted in ListenDrops — so the
 * counts are taken when the kernel has decided on each, not after a guessed delay; hold that state a while.
 */
async function observe(s: Stage) {
  for (const c of s.clients) void c.connect([s.place.host, s.port]).catch(() => undefined);
  const deadline = deadlineFor(DECIDE_LIMIT_MS / 1000);
  await s.place.settled();
  const line = s.place.line!;
  const answered = () =>
    new Set(
      line
        .packetsSoFar()
        .filter((p) => p.from === "server" && p.syn && p.srcPort === s.port)
        .map((p) => p.dstPort),
    ).size;
  const counters = await pollUntil(
    () => counted(s),
    (c) => answered() + c.listenDrops >= s.clients.length,
    msLeft(deadline),
    2,
  );
  s.sampler.mark();
  const observedAt = s.place.now();
  s.markers.push({ t: observedAt, kind: "counts" });
  const synRecvSockDiag = s.place.inServer(() => queuesOf(s.port)?.synRecv ?? 0);
  await sleep(SHOW_HELD_MS);
  return { observedAt, counters, synRecvSockDiag };
}

/** Let the held ACKs through and watch what they do for a moment. */
async function release(s: Stage): Promise<void> {
  s.markers.push({ t: s.place.now(), kind: "release" });
  s.place.line!.release();
  await s.place.settled();
  await sleep(SHOW_AFTER_MS);
}

/** One case, tcp_syncookies=`syncookies`, over a line of its own: set up, provoke, observe, release, judge. */
async function runCase(
  syncookies: 0 | 1 | 2,
  o: SynQueueOptions,
  hooks: RunHooks,
): Promise<[SynQueueCase, ModelEnvironment]> {
  return withCleanup(async (cleanup) => {
    const s = setUp(syncookies, o, cleanup);
    const settings = s.place.settings();
    const seen = await observe(s);
    await release(s);
    const capture = (await s.place.finish(hooks))!;
    const series = s.sampler.stop();
    const modelled = predictCases(synQueueCases(o, settings), synQueuePrediction)[syncookies]!;
    const judged = synQueueClaims({ port: s.port, ...seen, series, capture }, modelled.predicted);
    const evidence = {
      packets: capture.packets.slice(),
      series,
      timeline: [],
      markers: allMarkers(s.markers, capture),
    };
    return [{ ...modelled, ...judged, evidence }, settings];
  });
}

/** Runs `lab synqueue` on this kernel: the three cases, each over a delay line of its own (root). */
export async function runSynQueue(o: SynQueueOptions, hooks: RunHooks = {}): Promise<SynQueueResult> {
  return runEachCase("synqueue", o, [0, 1, 2] as const, (syncookies) => runCase(syncookies, o, hooks));
}
