// `lab backlog` on the kernel: listen(backlog) with no accept(), every client's connect() at once, the counts
// before any accept(), then the drain, each waiting client's way in, and the model's replay of the same schedule.

import { counterDeltas, readCounters, type Counters } from "../../../kernel/counters.js";
import { readListenSysctls } from "../../../kernel/sysctl.js";
import { Socket } from "../../../socket/socket.js";
import { simulate } from "../../../sim/listen-path.js";
import type { RunHooks } from "../../experiment.js";
import { sleep, startClock } from "../../clock.js";
import { localModelEnvironment, modelSettings } from "../../model-environment.js";
import { QueueSampler } from "../../queue-sampler.js";
import type { TimelineStep } from "../../result.js";
import { compare } from "../../verdict.js";
import { backlogModel, backlogPrediction, DRAIN_AT_MS, retransmissionHistogram, WAIT_MS } from "./model.js";
import type { BacklogOptions } from "./options.js";
import type { BacklogResult } from "./result.js";

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
    await sleep(DRAIN_AT_MS);
    const seen = observe(stage);
    const { drainedAt, waited } = await drain(stage, seen.waiting, WAIT_MS, hooks);
    stage.sampler.mark();
    const retransmissions = clients.map((c) => c.tcpInfo().totalRetrans);
    const env = { ...localModelEnvironment(), ...modelSettings(sysctls) };
    const model = simulate(
      backlogModel(o, env, {
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
