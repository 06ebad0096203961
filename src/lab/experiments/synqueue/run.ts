// `lab synqueue` on the kernel, over a delay line that holds the final ACKs: a burst of SYNs, the SYN queue and
// counters once every SYN is decided, and the model's replay, for tcp_syncookies 0, 1 and 2.

import { counterDeltas, readCounters, type Counters } from "../../../kernel/counters.js";
import { Socket } from "../../../socket/socket.js";
import { deadlineFor, msLeft } from "../../../socket/timeout.js";
import { simulate } from "../../../sim/listen-path.js";
import { withCleanup, type Cleanup } from "../../cleanup.js";
import { pollUntil } from "../../clock.js";
import { DelayLine, HOLD, SERVER_ADDRESS, type Packet } from "../../delay-line.js";
import { localKernel } from "../../model-environment.js";
import { QueueSampler, queuesOf, synRecvOf } from "../../queue-sampler.js";
import { listenOn, portOf } from "../../sockets.js";
import { compare, joinVerdicts } from "../../verdict.js";
import { synQueueModel, synQueuePrediction } from "./model.js";
import type { SynQueueOptions } from "./options.js";
import type { SynQueueCase, SynQueueCounts, SynQueueResult } from "./result.js";

/** How long the run waits at most for every SYN to be decided. */
const DECIDE_LIMIT_MS = 10_000;

/** One case's line, listener and clients; `t0` is the line's time when the SYNs were about to go. */
interface Stage {
  line: DelayLine;
  server: Socket;
  port: number;
  before: Counters;
  t0: number;
  clients: Socket[];
  sampler: QueueSampler;
}

/** Only the client's bare final ACK is held; everything else crosses at once. */
function finalAck(p: Packet): boolean {
  return p.from === "client" && p.ack && !p.syn && !p.fin && !p.rst && p.payload === 0;
}

/** Set up: a line that holds the final ACKs, with this case's sysctls; the listener behind it, the clients. */
function setUp(syncookies: 0 | 1 | 2, o: SynQueueOptions, cleanup: Cleanup): Stage {
  const sysctls = { "net.ipv4.tcp_syncookies": syncookies, "net.ipv4.tcp_max_syn_backlog": o["max-syn-backlog"] };
  const line = cleanup.add(DelayLine.create((p) => (finalAck(p) ? HOLD : 0), sysctls));
  const server = cleanup.add(line.inServer(() => new Socket()));
  const port = listenOn(server, SERVER_ADDRESS, o.backlog);
  const before = line.inServer(() => readCounters());
  const t0 = line.now();
  const clients = Array.from({ length: o.clients }, () => cleanup.add(line.inClient(() => new Socket())));
  const synRecv = () => line.inServer(() => synRecvOf(port));
  const sampler = new QueueSampler({ listener: server, clients, synRecv }, () => line.now() - t0).start(20);
  cleanup.defer(() => sampler.stop());
  return { line, server, port, before, t0, clients, sampler };
}

/** Provoke: every client's SYN at once; their connect()s complete only once the held ACKs are let through. */
function provoke(s: Stage): void {
  for (const c of s.clients) void c.connect([SERVER_ADDRESS, s.port]).catch(() => undefined);
}

/** The server's counts now: SYN-RECV requests and the counters moved since the case began. */
function count(s: Stage): SynQueueCounts {
  const synRecv = s.line.inServer(() => queuesOf(s.port)?.synRecv ?? 0);
  const d = s.line.inServer(() => counterDeltas(s.before, readCounters()));
  return {
    synRecv,
    cookiesSent: d["TcpExt.SyncookiesSent"] ?? 0,
    reqQFullDoCookies: d["TcpExt.TCPReqQFullDoCookies"] ?? 0,
    listenDrops: d["TcpExt.ListenDrops"] ?? 0,
  };
}

/**
 * Observe once every SYN is accounted for — answered by a SYN-ACK on the line, or counted in ListenDrops — so the
 * counts are taken when the kernel has decided on each, not after a guessed delay; then let the ACKs through.
 */
async function observe(s: Stage): Promise<{ measured: SynQueueCounts; observedAt: number }> {
  const deadline = deadlineFor(DECIDE_LIMIT_MS / 1000);
  await s.line.settled(DECIDE_LIMIT_MS);
  const answered = () =>
    new Set(s.line.log.filter((p) => p.from === "server" && p.syn && p.srcPort === s.port).map((p) => p.dstPort)).size;
  const decided = (counts: SynQueueCounts) => answered() + counts.listenDrops >= s.clients.length;
  const measured = await pollUntil(() => count(s), decided, msLeft(deadline), 5);
  const observedAt = s.line.now() - s.t0;
  s.sampler.mark();
  s.line.release();
  return { measured, observedAt };
}

/** Model: the same options and sysctl, with the SYNs sent when they crossed the line and the counts taken as here. */
function model(s: Stage, o: SynQueueOptions, syncookies: 0 | 1 | 2, observedAt: number): SynQueueCounts {
  // The SYNs are not delayed: each crossed when its client sent it, ms after t0.
  const synAt = s.clients.map((c) => Math.max(0, (s.line.synFrom(portOf(c))?.t ?? s.t0) - s.t0));
  return synQueuePrediction(simulate(synQueueModel(o, syncookies, localKernel(), observedAt, synAt)));
}

/** One case, tcp_syncookies=`syncookies`, in namespaces of its own: set up, provoke, observe, compare. */
async function runCase(syncookies: 0 | 1 | 2, o: SynQueueOptions): Promise<SynQueueCase> {
  return withCleanup(async (cleanup) => {
    const s = setUp(syncookies, o, cleanup);
    provoke(s);
    const { measured, observedAt } = await observe(s);
    const predicted = model(s, o, syncookies, observedAt);
    const verdict = compare(measured, predicted);
    return {
      syncookies,
      measured,
      predicted,
      observedAt,
      packets: s.line.log.slice(),
      series: s.sampler.stop(),
      verdict,
    };
  });
}

/** Runs `lab synqueue` on this kernel: the three cases, each over a delay line of its own (root). */
export async function runSynQueue(o: SynQueueOptions): Promise<SynQueueResult> {
  const cases: SynQueueCase[] = [];
  for (const syncookies of [0, 1, 2] as const) cases.push(await runCase(syncookies, o));
  return {
    experiment: "synqueue",
    backlog: o.backlog,
    clients: o.clients,
    maxSynBacklog: o["max-syn-backlog"],
    observedAtMs: Math.max(...cases.map((c) => c.observedAt)),
    cases,
    series: cases[1]?.series ?? [],
    verdict: joinVerdicts(cases, (c) => `tcp_syncookies=${c.syncookies}`),
  };
}
