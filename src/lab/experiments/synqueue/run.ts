// `socketkit lab synqueue`: half-open connections held in SYN-RECV, and what bounds their number. A delay line
// holds every client's final ACK until the counts are taken, so a burst of SYNs leaves requests waiting in the
// listener's SYN queue however slowly the machine runs; the
// experiment runs with tcp_syncookies 0, 1 and 2 and a small tcp_max_syn_backlog, in private namespaces (root).
//   - syncookies 0: the SYN queue stops below the backlog, at the last quarter of tcp_max_syn_backlog; the rest of
//     the SYNs are dropped (ListenDrops).
//   - syncookies 1: min(backlog, somaxconn) + 1 requests wait; every further SYN is answered with a syncookie.
//   - syncookies 2: no request is kept at all; every SYN gets a cookie.

import { counterDeltas, readCounters } from "../../../kernel/counters.js";
import { LIVE_STATES, listenerQueues, querySockets } from "../../../kernel/sock-diag.js";
import { Socket } from "../../../socket/socket.js";
import { simulate } from "../../../sim/listen-path.js";
import { DelayLine, HOLD, SERVER_ADDRESS, type LoggedPacket } from "../../delay-line.js";
import { compare, type Verdict } from "../../result.js";
import type { Counters } from "../../../kernel/counters.js";
import type { SimResult } from "../../../sim/listen-path.js";
import type { SimParams } from "../../../sim/params.js";
import type { Packet } from "../../delay-line.js";
import { pollUntil } from "../../clock.js";
import type { Experiment, ModelEnvironment, OptionValues } from "../../experiment.js";
import { deadlineFor, msLeft } from "../../../socket/timeout.js";
import { localModelEnvironment } from "../../model-environment.js";
import { QueueSampler, synRecvOf, type QueueSample } from "../../queue-sampler.js";
import { queueChart } from "../../queue-chart.js";
import { summarizePackets } from "../../sequence-text.js";
import { fit, paint, say, verdictLines, type View } from "../../view.js";
import { queueChartSvg } from "../../svg.js";

export interface SynQueueOptions {
  backlog?: number;
  clients?: number;
  maxSynBacklog?: number;
}

interface Counts extends Record<string, number> {
  synRecv: number;
  cookiesSent: number;
  reqQFullDoCookies: number;
  listenDrops: number;
}

export interface SynQueueCase {
  syncookies: 0 | 1 | 2;
  measured: Counts;
  predicted: Counts;
  /** When the counts were taken, ms after the first SYN. */
  observedAt: number;
  packets: LoggedPacket[];
  series: QueueSample[];
  verdict: Verdict;
}

export interface SynQueueResult {
  experiment: "synqueue";
  backlog: number;
  clients: number;
  maxSynBacklog: number;
  /** When the counts were taken, ms after the SYNs (slowest case): the held ACKs were let through after that. */
  observedAtMs: number;
  cases: SynQueueCase[];
  /** The tcp_syncookies=1 case's queue depths (each case keeps its own). */
  series: QueueSample[];
  verdict: Verdict;
}

/** The model's parameters for these options, one run per tcp_syncookies value; `observeAtMs` as measured. */
export function synQueueModel(
  o: OptionValues,
  syncookies: 0 | 1 | 2,
  env: ModelEnvironment,
  observeAtMs?: number,
  connectAtMs?: number[],
): Partial<SimParams> {
  // Nominally the SYNs are all decided within a millisecond; the counts are taken at 100 ms, the ACKs held until then.
  const at = observeAtMs ?? 100;
  return {
    ...env,
    backlog: o.backlog!,
    clients: o.clients!,
    connectIntervalMs: 0.05,
    rttMs: 0.2,
    ackDelayMs: at + 1,
    tcpSyncookies: syncookies,
    tcpMaxSynBacklog: o["max-syn-backlog"]!,
    observeAtMs: at,
    durationMs: at,
    connectAtMs: connectAtMs ?? null,
  };
}

function prediction(model: SimResult): Counts {
  return {
    synRecv: model.observation.synQueue,
    cookiesSent: model.observation.counters.SyncookiesSent,
    reqQFullDoCookies: model.observation.counters.TCPReqQFullDoCookies,
    listenDrops: model.observation.counters.ListenDrops,
  };
}

/** The server's counts now: SYN-RECV requests and the counters moved since `before`. */
function count(line: DelayLine, port: number, before: Counters): Counts {
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
): Promise<Counts> {
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

async function runCase(syncookies: 0 | 1 | 2, o: OptionValues): Promise<SynQueueCase> {
  // Only the client's bare final ACK is held; everything else crosses at once.
  const held = (p: Packet) => p.from === "client" && p.ack && !p.syn && !p.fin && !p.rst && p.payload === 0;
  const line = DelayLine.create((p) => (held(p) ? HOLD : 0), {
    "net.ipv4.tcp_syncookies": syncookies,
    "net.ipv4.tcp_max_syn_backlog": o["max-syn-backlog"]!,
  });
  const sockets: Socket[] = [];
  let sampler: QueueSampler | null = null;
  try {
    const server = line.inServer(() => new Socket());
    sockets.push(server);
    server.bind([SERVER_ADDRESS, 0]);
    server.listen(o.backlog!);
    const port = server.getsockname()[1] as number;
    const before = line.inServer(() => readCounters());
    const t0 = line.now();
    const clients = Array.from({ length: o.clients! }, () => line.inClient(() => new Socket()));
    sockets.push(...clients);
    sampler = new QueueSampler(
      { listener: server, clients, synRecv: () => line.inServer(() => synRecvOf(port)) },
      () => line.now() - t0,
    ).start(20);
    for (const c of clients) void c.connect([SERVER_ADDRESS, port]).catch(() => undefined);
    const measured = await everySynDecided(line, port, before, o.clients!, 10_000);
    const observedAt = line.now() - t0;
    sampler.mark();
    line.release();
    const predicted = prediction(
      simulate(
        synQueueModel(
          o,
          syncookies,
          { kernel: localModelEnvironment().kernel },
          observedAt,
          synTimes(line, clients, t0),
        ),
      ),
    );
    const verdict = compare(measured, predicted);
    return { syncookies, measured, predicted, observedAt, packets: line.log.slice(), series: sampler.stop(), verdict };
  } finally {
    sampler?.stop();
    for (const s of sockets) s.close();
    line.close();
  }
}

export async function runSynQueue(options: SynQueueOptions = {}): Promise<SynQueueResult> {
  const o: Required<SynQueueOptions> = {
    backlog: options.backlog ?? 8,
    clients: options.clients ?? 16,
    maxSynBacklog: options.maxSynBacklog ?? 8,
  };
  const values: OptionValues = { backlog: o.backlog, clients: o.clients, "max-syn-backlog": o.maxSynBacklog };
  const cases: SynQueueCase[] = [];
  for (const syncookies of [0, 1, 2] as const) cases.push(await runCase(syncookies, values));
  const differences = cases.flatMap((c) => c.verdict.differences.map((d) => `tcp_syncookies=${c.syncookies}: ${d}`));
  return {
    experiment: "synqueue",
    ...o,
    observedAtMs: Math.max(...cases.map((c) => c.observedAt)),
    cases,
    series: cases[1]!.series,
    verdict: { agree: differences.length === 0, differences },
  };
}

export function renderSynQueue(r: SynQueueResult, view: View): string[] {
  const head = say(view, {
    en: `listen(${r.backlog}), tcp_max_syn_backlog ${r.maxSynBacklog}, ${r.clients} SYNs at once, final ACKs held until the counts are taken`,
    zh: `listen(${r.backlog}), tcp_max_syn_backlog ${r.maxSynBacklog}, 同时发出 ${r.clients} 个 SYN, 最后的 ACK 被扣留到计数完成`,
  });
  const caseLines = (c: SynQueueCase) => {
    const [m, p] = [c.measured, c.predicted];
    const model = paint(view, "dim", `(model: ${p.synRecv}, ${p.cookiesSent}, ${p.listenDrops})`);
    return [
      `${paint(view, "bold", `tcp_syncookies=${c.syncookies}`)}: SYN-RECV ${m.synRecv}, syncookies sent ${m.cookiesSent}, SYNs dropped ${m.listenDrops}   ${model}`,
      ...summarizePackets(c.packets),
      ...queueChart(view, c.series, say(view, { en: "  queue depth over time:", zh: "  队列深度随时间的变化:" })),
      "",
    ];
  };
  return fit(view, [
    head,
    "",
    ...r.cases.flatMap(caseLines),
    ...verdictLines(view, r.verdict.agree, r.verdict.differences),
  ]);
}

export const synQueueExperiment: Experiment<SynQueueResult> = {
  name: "synqueue",
  summary: {
    en: "half-open requests held in SYN-RECV with tcp_syncookies 0, 1 and 2",
    zh: "tcp_syncookies 为 0、1、2 时停留在 SYN-RECV 的半连接请求",
  },
  needsRoot: true,
  options: [
    { name: "backlog", default: 8, min: 0, max: 256, help: { en: "the listen() backlog", zh: "listen() 的 backlog" } },
    { name: "clients", default: 16, min: 1, max: 256, help: { en: "SYNs sent at once", zh: "同时发出的 SYN 数" } },
    {
      name: "max-syn-backlog",
      default: 8,
      min: 1,
      max: 4096,
      help: { en: "tcp_max_syn_backlog in the server's namespace", zh: "服务端命名空间中的 tcp_max_syn_backlog" },
    },
  ],
  model: (o, env) =>
    ([0, 1, 2] as const).map((c) => ({
      label: `tcp_syncookies=${c}: listen(${o.backlog}), tcp_max_syn_backlog ${o["max-syn-backlog"]}, ${o.clients} SYNs, final ACKs held until the counts`,
      zh: `tcp_syncookies=${c}: listen(${o.backlog}), tcp_max_syn_backlog ${o["max-syn-backlog"]}, ${o.clients} 个 SYN, 最后的 ACK 被扣留到计数完成`,
      params: synQueueModel(o, c, env),
    })),
  predict: (runs) => runs.map(prediction),
  run: (o) => runSynQueue({ backlog: o.backlog!, clients: o.clients!, maxSynBacklog: o["max-syn-backlog"]! }),
  svg: (r) =>
    queueChartSvg(
      `lab synqueue: listen(${r.backlog}), ${r.clients} SYNs, final ACKs held`,
      r.cases.map((c) => ({ title: `tcp_syncookies=${c.syncookies}`, samples: c.series })),
    ),
  render: renderSynQueue,
};
