// `socketkit lab backlog`: how many connections the kernel completes with no accept() (min(backlog, somaxconn) + 1),
// which clients wait in SYN-SENT, the ListenOverflows they cause, and how each gets in once the application drains
// the queue — at its next SYN retransmission, which the client's own tcp_info counts. The model must agree.

import { counterDeltas, readCounters, type Counters } from "../../../kernel/counters.js";
import { readListenSysctls, type ListenSysctls } from "../../../kernel/sysctl.js";
import { Socket } from "../../../socket/socket.js";
import { simulate, type SimResult } from "../../../sim/listen-path.js";
import type { Experiment, ModelEnvironment, OptionValues, RunHooks } from "../../experiment.js";
import { sleep, startClock } from "../../clock.js";
import { localModelEnvironment, modelSettings } from "../../model-environment.js";
import { QueueSampler, type QueueSample } from "../../queue-sampler.js";
import { compare, type TimelineStep, type Verdict } from "../../result.js";
import { renderBacklog } from "./view.js";
import { queueChartSvg } from "../../svg.js";

export interface BacklogOptions {
  backlog: number;
  clients: number;
  /** When the application starts accepting, ms after the connects; also when the counts are taken. */
  drainAtMs?: number;
  /** How long to wait at most for the last client after the drain. */
  waitMs?: number;
}

export interface BacklogResult {
  experiment: "backlog";
  backlog: number;
  somaxconn: number;
  clients: number;
  /** Clients whose connect() completed with no accept(). */
  established: number;
  /** Clients still in SYN-SENT when the counts were taken. */
  synSent: number;
  listenOverflowsDelta: number;
  /** Accept-queue length the kernel reported before the drain. */
  acceptQueue: number;
  /** For each client that had to wait: ms after the drain until its connect() completed (null: never, in time). */
  waitedAfterDrainMs: Array<number | null>;
  /** SYN retransmissions per client, from each client's tcp_info: "0 ×6, 1 ×4". */
  synRetransmissions: string;
  sysctls: ListenSysctls;
  timeline: TimelineStep[];
  predicted: {
    established: number;
    synSent: number;
    listenOverflowsDelta: number;
    synRetransmissions: string;
    waitedAfterDrainMs: number[];
  };
  series: QueueSample[];
  verdict: Verdict;
}

/** The nominal schedule: all clients connect at once, the counts and the drain at 300 ms. */
const DRAIN_AT_MS = 300;
/** The first SYN retransmission comes 1 s after the SYN; the wait covers it with a wide margin, never the second. */
const WAIT_MS = 1900;

/** The model's parameters for these options; `times` replaces the nominal schedule with the measured one. */
export function backlogModel(
  o: OptionValues,
  env: ModelEnvironment,
  times?: { connectAtMs: number[]; observeAtMs: number; drainAtMs: number },
) {
  // Nominally the counts are taken, then the drain starts a millisecond later, as in the lab.
  const drain = times?.drainAtMs ?? DRAIN_AT_MS + 1;
  return {
    ...env,
    backlog: o.backlog!,
    clients: o.clients!,
    // On loopback each connect() finishes its handshake inside the system call, before the next one starts: a round
    // trip far shorter than the gap between two calls, which keep their order.
    rttMs: 0.001,
    connectAtMs: times ? times.connectAtMs.map((t, i) => t + i * 0.002) : null,
    observeAtMs: times?.observeAtMs ?? DRAIN_AT_MS,
    acceptFromMs: drain,
    durationMs: drain + WAIT_MS,
  };
}

/** "0 ×6, 1 ×4": how many clients retransmitted their SYN how often. */
export function retransmissionHistogram(counts: number[]): string {
  const by = new Map<number, number>();
  for (const n of counts) by.set(n, (by.get(n) ?? 0) + 1);
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([n, k]) => `${n} ×${k}`)
    .join(", ");
}

/** What the model predicts, in the fields the lab measures. */
export function backlogPrediction(model: SimResult) {
  const drain = model.params.acceptFromMs ?? 0;
  return {
    established: model.observation.established,
    synSent: model.observation.synSent,
    listenOverflowsDelta: model.observation.counters.ListenOverflows,
    synRetransmissions: retransmissionHistogram(model.connections.map((c) => c.synsSent - 1)),
    waitedAfterDrainMs: model.connections
      .filter((c) => c.connectedAt !== null && c.connectedAt > drain)
      .map((c) => Math.round(c.connectedAt! - drain)),
  };
}

/** The listener and its clients, from listen() to the drain. */
interface Stage {
  server: Socket;
  clients: Socket[];
  /** Connections accept() returned, closed with the rest. */
  accepted: Socket[];
  port: number;
  now: () => number;
  calledAt: number[];
  connectedAt: Array<number | null>;
  connects: Array<Promise<void>>;
  before: Counters;
  sampler: QueueSampler;
  timeline: TimelineStep[];
}

/** Provoke: listen(backlog) with no accept(), then every client calls connect() at once. */
function provoke(o: BacklogOptions, server: Socket, clients: Socket[]): Stage {
  const now = startClock(1);
  server.bind(["127.0.0.1", 0]);
  server.listen(o.backlog);
  const port = (server.getsockname() as [string, number])[1];
  const sampler = new QueueSampler({ listener: server, clients }, now).start();
  const stage: Stage = {
    server,
    clients,
    accepted: [],
    port,
    now,
    calledAt: [],
    connectedAt: clients.map(() => null),
    connects: [],
    before: readCounters(),
    sampler,
    timeline: [],
  };
  stage.timeline.push({
    t: 0,
    who: "server",
    what: `listen(${o.backlog}) on 127.0.0.1:${port}; accept() not called`,
    zh: `在 127.0.0.1:${port} 上 listen(${o.backlog}); 不调用 accept()`,
  });
  for (const [i, c] of clients.entries()) {
    stage.calledAt.push(now());
    const record = () => void (stage.connectedAt[i] = now());
    stage.connects.push(c.connect(["127.0.0.1", port]).then(record, () => undefined));
  }
  stage.timeline.push({
    t: now(),
    who: "client",
    what: `${o.clients} clients call connect()`,
    zh: `${o.clients} 个客户端调用 connect()`,
  });
  return stage;
}

/** Observe, before any accept(): completed connects, clients in SYN-SENT, the queue and the overflow counter. */
function observe(s: Stage) {
  s.sampler.mark();
  const at = s.now();
  // The kernel's view, from each socket's tcp_info: a connect() the kernel completed counts even if its promise
  // has not been told yet on a busy machine.
  const states = s.clients.map((c) => c.tcpInfo().state);
  const established = states.filter((st) => st === "ESTAB").length;
  const waiting = states.flatMap((st, i) => (st === "SYN-SENT" ? [i] : []));
  const synSent = waiting.length;
  const acceptQueue = s.server.tcpInfo().unacked;
  const listenOverflowsDelta = counterDeltas(s.before, readCounters())["TcpExt.ListenOverflows"] ?? 0;
  const what = `${established} connects completed, ${synSent} clients in SYN-SENT, accept queue ${acceptQueue}, ListenOverflows +${listenOverflowsDelta}`;
  const zh = `${established} 个连接完成, ${synSent} 个客户端在 SYN-SENT, accept 队列 ${acceptQueue}, ListenOverflows +${listenOverflowsDelta}`;
  s.timeline.push({ t: at, who: "kernel", what, zh });
  return { at, established, synSent, acceptQueue, listenOverflowsDelta, waiting };
}

/** Drain the queue in an accept() loop until the waiting clients are in (or the wait ends); returns their waits. */
async function drain(
  s: Stage,
  waiting: number[],
  waitMs: number,
  hooks: RunHooks,
): Promise<{ drainedAt: number; waited: Array<number | null> }> {
  const drainedAt = s.now();
  s.timeline.push({
    t: drainedAt,
    who: "server",
    what: "accept() called in a loop: the queue drains",
    zh: "循环调用 accept(): 队列被清空",
  });
  s.server.settimeout(null);
  const accepting = (async () => {
    for (;;) s.accepted.push((await s.server.accept())[0]);
  })().catch(() => undefined); // ends when the listener is closed
  if (waiting.length > 0)
    hooks.progress?.(
      {
        en: `waiting for ${waiting.length} clients' SYN retransmission`,
        zh: `等待 ${waiting.length} 个客户端重传 SYN`,
      },
      1000,
    );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(waiting.map((i) => s.connects[i])),
    new Promise((r) => (timer = setTimeout(r, waitMs))),
  ]);
  clearTimeout(timer);
  const waited = waiting.map((i) => (s.connectedAt[i] === null ? null : Math.round(s.connectedAt[i]! - drainedAt)));
  for (const [k, i] of waiting.entries()) {
    const w = waited[k] ?? null;
    const [what, zh] =
      w === null
        ? [`client ${i} still waiting`, `客户端 ${i} 仍在等待`]
        : [`client ${i} connected (SYN retransmission)`, `客户端 ${i} 已连接 (SYN 重传)`];
    s.timeline.push({ t: w === null ? s.now() : drainedAt + w, who: "client", what, zh });
  }
  void accepting;
  return { drainedAt, waited };
}

export async function runBacklog(o: BacklogOptions, hooks: RunHooks = {}): Promise<BacklogResult> {
  const sysctls = readListenSysctls();
  const server = new Socket();
  const clients = Array.from({ length: o.clients }, () => new Socket());
  let stage: Stage | null = null;
  try {
    stage = provoke(o, server, clients);
    await sleep(o.drainAtMs ?? DRAIN_AT_MS);
    const seen = observe(stage);
    const { drainedAt, waited } = await drain(stage, seen.waiting, o.waitMs ?? WAIT_MS, hooks);
    stage.sampler.mark();
    const retransmissions = clients.map((c) => c.tcpInfo().totalRetrans);
    const env = { ...localModelEnvironment(), ...modelSettings(sysctls) };
    const model = simulate(
      backlogModel(o as unknown as OptionValues, env, {
        connectAtMs: stage.calledAt,
        observeAtMs: seen.at,
        drainAtMs: drainedAt,
      }),
    );
    const predicted = backlogPrediction(model);
    const measured = {
      established: seen.established,
      synSent: seen.synSent,
      listenOverflowsDelta: seen.listenOverflowsDelta,
      synRetransmissions: retransmissionHistogram(retransmissions),
    };
    const { waitedAfterDrainMs: _, ...compared } = predicted;
    return {
      experiment: "backlog",
      backlog: o.backlog,
      somaxconn: sysctls.somaxconn,
      clients: o.clients,
      ...measured,
      acceptQueue: seen.acceptQueue,
      waitedAfterDrainMs: waited,
      sysctls,
      timeline: stage.timeline,
      predicted,
      series: stage.sampler.stop(),
      verdict: compare(measured, compared),
    };
  } finally {
    stage?.sampler.stop();
    for (const s of [...clients, ...(stage?.accepted ?? [])]) s.close();
    server.close();
  }
}

export const backlogExperiment: Experiment<BacklogResult> = {
  name: "backlog",
  summary: {
    en: "how many connect with no accept(), who waits in SYN-SENT, and when each gets in",
    zh: "不调用 accept() 时有多少连接能完成, 谁在 SYN-SENT 等待, 各自何时进入",
  },
  needsRoot: false,
  options: [
    {
      name: "backlog",
      default: 5,
      min: 0,
      max: 65535,
      help: { en: "the listen() backlog", zh: "listen() 的 backlog" },
    },
    {
      name: "clients",
      default: 10,
      min: 1,
      max: 2000,
      help: { en: "clients connecting at once", zh: "同时连接的客户端数" },
    },
  ],
  model: (o, env) => [
    {
      label: `listen(${o.backlog}), ${o.clients} clients, accept() from ${DRAIN_AT_MS} ms`,
      zh: `listen(${o.backlog}), ${o.clients} 个客户端, 从 ${DRAIN_AT_MS} ms 起 accept()`,
      params: backlogModel(o, env),
    },
  ],
  predict: (runs) => runs.map(backlogPrediction),
  run: (o, hooks) => runBacklog({ backlog: o.backlog!, clients: o.clients! }, hooks),
  svg: (r) =>
    queueChartSvg(`lab backlog: listen(${r.backlog}), ${r.clients} clients`, [
      { title: "queue depth and clients by state", samples: r.series },
    ]),
  render: renderBacklog,
};
