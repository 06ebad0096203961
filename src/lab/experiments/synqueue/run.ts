// `lab synqueue` on the kernel, over a delay line that holds the final ACKs: a burst of SYNs, the SYN queue and
// counters once every SYN is decided, and the model's replay, for tcp_syncookies 0, 1 and 2.

import { counterDeltas, readCounters, type Counters } from "../../../kernel/counters.js";
import { LIVE_STATES, listenerQueues, querySockets } from "../../../kernel/sock-diag.js";
import { Socket } from "../../../socket/socket.js";
import { deadlineFor, msLeft } from "../../../socket/timeout.js";
import { simulate } from "../../../sim/listen-path.js";
import { pollUntil } from "../../clock.js";
import { DelayLine, HOLD, SERVER_ADDRESS, type Packet } from "../../delay-line.js";
import { localKernel } from "../../model-environment.js";
import { QueueSampler, synRecvOf } from "../../queue-sampler.js";
import { compare, joinVerdicts } from "../../verdict.js";
import { synQueueModel, synQueuePrediction } from "./model.js";
import type { SynQueueOptions } from "./options.js";
import type { SynQueueCase, SynQueueCounts, SynQueueResult } from "./result.js";

/** The server's counts now: SYN-RECV requests and the counters moved since `before`. */
function count(line: DelayLine, port: number, before: Counters): SynQueueCounts {
  const synRecv = line.inServer(() => listenerQueues(querySockets(LIVE_STATES), port)[0]?.synRecv ?? 0);
  const d = line.inServer(() => counterDeltas(before, readCounters()));
  return {
    synRecv,
    cookiesSent: d["TcpExt.SyncookiesSent"] ?? 0,
    reqQFullDoCookies: d["TcpExt.TCPReqQFullDoCookies"] ?? 0,
    listenDrops: d["TcpExt.ListenDrops"] ?? 0,
  };
}

/**
 * Waits until every SYN is accounted for — answered by a SYN-ACK on the line, or counted in ListenDrops — so the
 * counts are taken when the kernel has decided on each, not after a guessed delay. Gives up at `limitMs`.
 */
async function everySynDecided(
  line: DelayLine,
  port: number,
  before: Counters,
  clients: number,
  limitMs: number,
): Promise<SynQueueCounts> {
  const deadline = deadlineFor(limitMs / 1000);
  await line.settled(limitMs);
  const answered = () =>
    new Set(line.log.filter((p) => p.from === "server" && p.syn && p.srcPort === port).map((p) => p.dstPort)).size;
  return pollUntil(
    () => count(line, port, before),
    (counts) => answered() + counts.listenDrops >= clients,
    msLeft(deadline),
    5,
  );
}

/** When each client's SYN crossed the line (it is not delayed), ms after t0: the model's connect times. */
function synTimes(line: DelayLine, clients: Socket[], t0: number): number[] {
  return clients.map((c) => {
    const port = c.getsockname()[1] as number;
    const syn = line.log.find((p) => p.from === "client" && p.kind === "SYN" && p.srcPort === port);
    return Math.max(0, (syn?.t ?? t0) - t0);
  });
}

async function runCase(syncookies: 0 | 1 | 2, o: SynQueueOptions): Promise<SynQueueCase> {
  // Only the client's bare final ACK is held; everything else crosses at once.
  const held = (p: Packet) => p.from === "client" && p.ack && !p.syn && !p.fin && !p.rst && p.payload === 0;
  const line = DelayLine.create((p) => (held(p) ? HOLD : 0), {
    "net.ipv4.tcp_syncookies": syncookies,
    "net.ipv4.tcp_max_syn_backlog": o["max-syn-backlog"],
  });
  const sockets: Socket[] = [];
  let sampler: QueueSampler | null = null;
  try {
    const server = line.inServer(() => new Socket());
    sockets.push(server);
    server.bind([SERVER_ADDRESS, 0]);
    server.listen(o.backlog);
    const port = server.getsockname()[1] as number;
    const before = line.inServer(() => readCounters());
    const t0 = line.now();
    const clients = Array.from({ length: o.clients }, () => line.inClient(() => new Socket()));
    sockets.push(...clients);
    sampler = new QueueSampler(
      { listener: server, clients, synRecv: () => line.inServer(() => synRecvOf(port)) },
      () => line.now() - t0,
    ).start(20);
    for (const c of clients) void c.connect([SERVER_ADDRESS, port]).catch(() => undefined);
    const measured = await everySynDecided(line, port, before, o.clients, 10_000);
    const observedAt = line.now() - t0;
    sampler.mark();
    line.release();
    const predicted = synQueuePrediction(
      simulate(synQueueModel(o, syncookies, localKernel(), observedAt, synTimes(line, clients, t0))),
    );
    const verdict = compare(measured, predicted);
    return { syncookies, measured, predicted, observedAt, packets: line.log.slice(), series: sampler.stop(), verdict };
  } finally {
    sampler?.stop();
    for (const s of sockets) s.close();
    line.close();
  }
}

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
    series: cases[1]!.series,
    verdict: joinVerdicts(cases, (c) => `tcp_syncookies=${c.syncookies}`),
  };
}
