// `lab backlog` on the kernel: listen(backlog) with no accept(), every client's connect() at once, the counts
// before any accept(), then the drain, each waiting client's way in, and the model's replay of the same schedule.

import { counterDeltas, readCounters, type Counters } from "../../../kernel/counters.js";
import { readListenSysctls, type ListenSysctls } from "../../../kernel/sysctl.js";
import { Socket } from "../../../socket/socket.js";
import { simulate } from "../../../sim/listen-path.js";
import { withCleanup, type Cleanup } from "../../cleanup.js";
import { settledWithin, sleep, startClock } from "../../clock.js";
import type { RunHooks } from "../../experiment.js";
import { localModelEnvironment, modelSettings } from "../../model-environment.js";
import { QueueSampler } from "../../queue-sampler.js";
import { listenOn } from "../../sockets.js";
import { Timeline } from "../../timeline.js";
import { compare } from "../../verdict.js";
import { backlogModel, backlogPrediction, DRAIN_AT_MS, retransmissionHistogram, WAIT_MS } from "./model.js";
import type { BacklogOptions } from "./options.js";
import type { BacklogPrediction, BacklogResult } from "./result.js";

/** The listener and its clients, from listen() to the drain, and what the run recorded on the way. */
interface Stage {
  sysctls: ListenSysctls;
  server: Socket;
  port: number;
  clients: Socket[];
  /** Connections accept() returned, closed with the rest. */
  accepted: Socket[];
  now: () => number;
  timeline: Timeline;
  sampler: QueueSampler;
  before: Counters;
  /** When each client called connect(), and when its connect() completed (null: not yet). */
  calledAt: number[];
  connectedAt: Array<number | null>;
  connects: Array<Promise<void>>;
}

/** The counts before any accept(), and which clients were still in SYN-SENT. */
interface Observation {
  at: number;
  established: number;
  synSent: number;
  acceptQueue: number;
  listenOverflowsDelta: number;
  waiting: number[];
}

/** After the drain: when it began, and for each waiting client how long after that it got in (null: never). */
interface Drain {
  drainedAt: number;
  waited: Array<number | null>;
}

/** Set up: this namespace's sysctls, the clients, and the listener — listen(backlog), no accept(). */
function setUp(o: BacklogOptions, cleanup: Cleanup): Stage {
  const sysctls = readListenSysctls();
  const server = cleanup.add(new Socket());
  const clients = Array.from({ length: o.clients }, () => cleanup.add(new Socket()));
  const accepted: Socket[] = [];
  cleanup.defer(() => accepted.forEach((c) => c.close()));
  const now = startClock(1);
  const port = listenOn(server, "127.0.0.1", o.backlog);
  const sampler = new QueueSampler({ listener: server, clients }, now).start();
  cleanup.defer(() => sampler.stop());
  const timeline = new Timeline(now);
  const stage = { sysctls, server, port, clients, accepted, now, timeline, sampler, before: readCounters() };
  return { ...stage, calledAt: [], connectedAt: clients.map(() => null), connects: [] };
}

/** Provoke: every client calls connect() at once, none of them accepted. */
function provoke(s: Stage, o: BacklogOptions): void {
  s.timeline.add(
    "server",
    {
      en: `listen(${o.backlog}) on 127.0.0.1:${s.port}; accept() not called`,
      zh: `在 127.0.0.1:${s.port} 上 listen(${o.backlog}); 不调用 accept()`,
    },
    0,
  );
  for (const [i, c] of s.clients.entries()) {
    s.calledAt.push(s.now());
    const record = () => void (s.connectedAt[i] = s.now());
    s.connects.push(c.connect(["127.0.0.1", s.port]).then(record, () => undefined));
  }
  s.timeline.add("client", { en: `${o.clients} clients call connect()`, zh: `${o.clients} 个客户端调用 connect()` });
}

/** Observe, before any accept(): completed connects, clients in SYN-SENT, the queue and the overflow counter. */
function observe(s: Stage): Observation {
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
  s.timeline.add(
    "kernel",
    {
      en: `${established} connects completed, ${synSent} clients in SYN-SENT, accept queue ${acceptQueue}, ListenOverflows +${listenOverflowsDelta}`,
      zh: `${established} 个连接完成, ${synSent} 个客户端在 SYN-SENT, accept 队列 ${acceptQueue}, ListenOverflows +${listenOverflowsDelta}`,
    },
    at,
  );
  return { at, established, synSent, acceptQueue, listenOverflowsDelta, waiting };
}

/** Drain the queue in an accept() loop until the waiting clients are in, or the wait ends. */
async function drain(s: Stage, waiting: number[], hooks: RunHooks): Promise<Drain> {
  const drainedAt = s.now();
  s.timeline.add("server", { en: "accept() called in a loop: the queue drains", zh: "循环调用 accept(): 队列被清空" });
  s.server.settimeout(null);
  // Ends when the listener is closed.
  void (async () => {
    for (;;) s.accepted.push((await s.server.accept())[0]);
  })().catch(() => undefined);
  if (waiting.length > 0)
    hooks.progress?.(
      {
        en: `waiting for ${waiting.length} clients' SYN retransmission`,
        zh: `等待 ${waiting.length} 个客户端重传 SYN`,
      },
      1000,
    );
  await settledWithin(Promise.all(waiting.map((i) => s.connects[i]!)), WAIT_MS);
  const waited = waiting
    .map((i) => s.connectedAt[i] ?? null)
    .map((t) => (t === null ? null : Math.round(t - drainedAt)));
  for (const [k, i] of waiting.entries()) {
    const w = waited[k] ?? null;
    if (w === null) s.timeline.add("client", { en: `client ${i} still waiting`, zh: `客户端 ${i} 仍在等待` });
    else
      s.timeline.add(
        "client",
        { en: `client ${i} connected (SYN retransmission)`, zh: `客户端 ${i} 已连接 (SYN 重传)` },
        drainedAt + w,
      );
  }
  return { drainedAt, waited };
}

/** Model: the same options, this namespace's sysctls and the schedule the run measured. */
function model(s: Stage, o: BacklogOptions, seen: Observation, drained: Drain): BacklogPrediction {
  const env = { ...localModelEnvironment(), ...modelSettings(s.sysctls) };
  const times = { connectAtMs: s.calledAt, observeAtMs: seen.at, drainAtMs: drained.drainedAt };
  return backlogPrediction(simulate(backlogModel(o, env, times)));
}

/** What the run measured that the model predicts too: the counts, and each client's SYN retransmissions. */
function measure(s: Stage, seen: Observation) {
  return {
    established: seen.established,
    synSent: seen.synSent,
    listenOverflowsDelta: seen.listenOverflowsDelta,
    synRetransmissions: retransmissionHistogram(s.clients.map((c) => c.tcpInfo().totalRetrans)),
  };
}

/** Compare: the measured quantities with the model's; its join times are shown beside them, not compared. */
function result(
  s: Stage,
  o: BacklogOptions,
  seen: Observation,
  drained: Drain,
  measured: ReturnType<typeof measure>,
  predicted: BacklogPrediction,
): BacklogResult {
  const { waitedAfterDrainMs: _, ...compared } = predicted;
  return {
    experiment: "backlog",
    backlog: o.backlog,
    somaxconn: s.sysctls.somaxconn,
    clients: o.clients,
    ...measured,
    acceptQueue: seen.acceptQueue,
    waitedAfterDrainMs: drained.waited,
    sysctls: s.sysctls,
    timeline: s.timeline.steps,
    predicted,
    series: s.sampler.stop(),
    verdict: compare(measured, compared),
  };
}

/** Runs `lab backlog` on this kernel, in the current namespace. */
export async function runBacklog(o: BacklogOptions, hooks: RunHooks = {}): Promise<BacklogResult> {
  return withCleanup(async (cleanup) => {
    const s = setUp(o, cleanup);
    provoke(s, o);
    await sleep(DRAIN_AT_MS);
    const seen = observe(s);
    const drained = await drain(s, seen.waiting, hooks);
    s.sampler.mark();
    const measured = measure(s, seen);
    return result(s, o, seen, drained, measured, model(s, o, seen, drained));
  });
}
