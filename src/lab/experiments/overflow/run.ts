// `socketkit lab overflow`: what clients see when the accept queue fills between the SYN-ACK and the final ACK, with
// tcp_abort_on_overflow 0 and 1, over a delay line between two private namespaces (root).
//   - The listener already holds `backlog` connections; then a burst of clients connects. Their SYNs all find room
//     (requests, or syncookies once the SYN queue is full), but only one final ACK fits in the accept queue.
//   - abort_on_overflow=0: every connect() succeeds; the ACKs that found the queue full are dropped. Requests get their
//     SYN-ACK again and get in once the application drains the queue; cookie clients have no state on the server
//     and are never accepted, though they believe they are connected.
//   - abort_on_overflow=1: the same clients are reset: their first recv() fails with ECONNRESET.
//   - Either way, a SYN that arrives while the queue is already full is dropped silently: no SYN-ACK, no RST.

import { counterDeltas, readCounters } from "../../../kernel/counters.js";
import { LIVE_STATES, listenerQueues, querySockets } from "../../../kernel/sock-diag.js";
import { BlockingIOError, ConnectionResetError } from "../../../socket/errors.js";
import { Socket } from "../../../socket/socket.js";
import { simulate } from "../../../sim/listen-path.js";
import { DelayLine, SERVER_ADDRESS, type LoggedPacket } from "../../delay-line.js";
import { compare, type Verdict } from "../../result.js";
import type { SimResult } from "../../../sim/listen-path.js";
import type { SimParams } from "../../../sim/params.js";
import { sleep, startClock } from "../../clock.js";
import type { Experiment, ModelEnvironment, OptionValues, RunHooks } from "../../experiment.js";
import { deadlineFor, hasPassed } from "../../../socket/timeout.js";
import { localModelEnvironment } from "../../model-environment.js";
import { renderOverflow } from "./view.js";
import { QueueSampler, synRecvOf, type QueueSample, type SampleSource } from "../../queue-sampler.js";
import { queueChartSvg } from "../../svg.js";

export interface OverflowOptions {
  backlog?: number;
  burst?: number;
  oneWayDelayMs?: number;
}

export interface Outcome extends Record<string, number | string> {
  connected: number;
  reset: number;
  acceptQueue: number;
  listenOverflows: number;
  acceptedAfterDrain: number;
  neverAccepted: number;
  lateSynAnswered: string;
}

export interface OverflowCase {
  abortOnOverflow: 0 | 1;
  measured: Outcome;
  predicted: Outcome;
  packets: LoggedPacket[];
  series: QueueSample[];
  verdict: Verdict;
}

export interface OverflowResult {
  experiment: "overflow";
  backlog: number;
  burst: number;
  oneWayDelayMs: number;
  cases: OverflowCase[];
  /** The first case's queue depths (the charts show one case; each case keeps its own). */
  series: QueueSample[];
  verdict: Verdict;
}

/**
 * The schedule is set by latches, not timers: the counts are taken once the line has settled after the burst (its
 * ACKs, and the resets with abort_on_overflow=1, have arrived), the late SYN is judged once the line has settled
 * again, and the queue is drained then — about 300 ms after the burst's SYNs, far from the first SYN-ACK
 * retransmission (1 s). Accepting then lasts ACCEPT_WINDOW_MS, ending as far from the second retransmission (3 s).
 * The model replays the measured times either way.
 */
const ACCEPT_WINDOW_MS = 1500;

/** The model's parameters for these options; `times` replaces the nominal schedule with the measured one. */
export function overflowModel(
  o: OptionValues,
  abort: 0 | 1,
  env: ModelEnvironment,
  times?: { connectAtMs: number[]; observeAtMs: number; drainAtMs: number },
): Partial<SimParams> {
  const { backlog, burst, delay } = { backlog: o.backlog!, burst: o.burst!, delay: o.delay! };
  const burstAt = backlog * (2 * delay + 10);
  const connectAtMs = times?.connectAtMs ?? [
    ...Array.from({ length: backlog }, (_, i) => i * (2 * delay + 10)),
    ...Array<number>(burst).fill(burstAt),
  ];
  // Nominally: the burst's ACKs arrive at 3d and the resets at 4d; the late SYN takes 2d more to be judged.
  const observeAtMs = times?.observeAtMs ?? burstAt + 4 * delay;
  const drainAtMs = times?.drainAtMs ?? observeAtMs + 2 * delay;
  return {
    ...env,
    backlog,
    clients: backlog + burst,
    connectAtMs,
    rttMs: 2 * delay,
    tcpSyncookies: 1,
    tcpAbortOnOverflow: abort,
    observeAtMs,
    acceptFromMs: drainAtMs,
    durationMs: drainAtMs + ACCEPT_WINDOW_MS,
  };
}

export function overflowPrediction(model: SimResult): Outcome {
  const reset = model.connections.filter((c) => c.client === "RESET").length;
  const accepted = model.connections.filter(
    (c) => c.acceptedAt !== null && c.acceptedAt >= (model.params.acceptFromMs ?? 0),
  ).length;
  const connected = model.connections.filter((c) => c.connectedAt !== null).length;
  return {
    connected,
    reset,
    acceptQueue: model.observation.acceptQueue,
    listenOverflows: model.observation.counters.ListenOverflows,
    acceptedAfterDrain: accepted,
    neverAccepted: connected - reset - accepted,
    // The model's rule for a SYN that meets a full accept queue: dropped, nothing sent back.
    lateSynAnswered: "no",
  };
}

interface Stage {
  line: DelayLine;
  server: Socket;
  clients: Socket[];
  port: number;
  at: () => number;
  connectAt: number[];
  sampler: QueueSampler;
}

function sampleSource(line: DelayLine, listener: Socket, clients: Socket[]): SampleSource {
  const port = listener.getsockname()[1] as number;
  return { listener, clients, synRecv: () => line.inServer(() => synRecvOf(port)) };
}

/** Provoke: the queue holds `backlog` connections, each completed before the next; then the burst, all at once. */
async function provoke(
  line: DelayLine,
  o: OptionValues,
  sockets: Socket[],
): Promise<Stage & { connected: number; burstAt: number }> {
  const server = line.inServer(() => new Socket());
  sockets.push(server);
  server.bind([SERVER_ADDRESS, 0]);
  server.listen(o.backlog!);
  const port = server.getsockname()[1] as number;
  const at = startClock();
  const clients = Array.from({ length: o.backlog! + o.burst! }, () => line.inClient(() => new Socket()));
  sockets.push(...clients);
  const stage = {
    line,
    server,
    clients,
    port,
    at,
    connectAt: [] as number[],
    sampler: new QueueSampler(sampleSource(line, server, clients), at).start(20),
  };
  for (const c of clients.slice(0, o.backlog!)) {
    stage.connectAt.push(at());
    await c.connect([SERVER_ADDRESS, port]);
  }
  const burstAt = at();
  const results = clients.slice(o.backlog!).map(
    (c) => (
      stage.connectAt.push(burstAt),
      c.connect([SERVER_ADDRESS, port]).then(
        () => true,
        () => false,
      )
    ),
  );
  const connected = (await Promise.all(results)).filter(Boolean).length + o.backlog!;
  return { ...stage, connected, burstAt };
}

/** Whether each client was reset shows at its first recv(), without waiting: the line has settled already. */
async function countResets(clients: Socket[]): Promise<number> {
  let reset = 0;
  await Promise.all(
    clients.map(async (c) => {
      c.settimeout(0);
      try {
        await c.recv(1);
      } catch (err) {
        if (err instanceof ConnectionResetError) reset++;
        else if (!(err instanceof BlockingIOError)) throw err;
      }
    }),
  );
  return reset;
}

/** One more client while the queue is full: whether anything came back for its SYN once the line settled. */
async function lateSynAnswered(s: Stage, sockets: Socket[]): Promise<boolean> {
  const late = s.line.inClient(() => new Socket());
  sockets.push(late);
  const sent = s.line.now();
  const connecting = late.connect([SERVER_ADDRESS, s.port]).catch(() => undefined);
  await s.line.settled();
  const port = late.getsockname()[1] as number;
  late.close(); // its connect() never completes: the SYN was dropped, and this ends it
  void connecting;
  return s.line.log.some((p) => p.from === "server" && p.dstPort === port && p.t >= sent && (p.syn || p.rst));
}

/** Drain: accept for the whole window, through the first SYN-ACK retransmission. */
async function acceptFor(s: Stage, ms: number, sockets: Socket[]): Promise<number> {
  s.server.settimeout(0);
  let accepted = 0;
  for (const deadline = deadlineFor(ms / 1000); !hasPassed(deadline);) {
    try {
      sockets.push((await s.server.accept())[0]);
      accepted++;
    } catch {
      await sleep(20);
    }
  }
  return accepted;
}

/**
 * When each client's SYN would have to be sent for the model's fixed one-way delay to bring it to the server when
 * the line really did: the server's SYN-ACK timer starts then, and a busy machine forwards late.
 */
function synTimes(s: Stage, delay: number): number[] {
  const offset = s.line.now() - s.at();
  return s.clients.map((c, i) => {
    const port = c.getsockname()[1] as number;
    const syn = s.line.log.find((p) => p.from === "client" && p.kind === "SYN" && p.srcPort === port);
    return syn?.deliveredAt === undefined ? s.connectAt[i]! : Math.max(0, syn.deliveredAt - offset - delay);
  });
}

async function runCase(abort: 0 | 1, o: OptionValues, hooks: RunHooks): Promise<OverflowCase> {
  const line = DelayLine.create(() => o.delay!, {
    "net.ipv4.tcp_abort_on_overflow": abort,
    "net.ipv4.tcp_syncookies": 1,
  });
  const sockets: Socket[] = [];
  let stage: Stage | null = null;
  try {
    const before = line.inServer(() => readCounters());
    const s = (stage = await provoke(line, o, sockets));
    await line.settled();
    s.sampler.mark();
    const observeAt = s.at();
    const queues = line.inServer(() => listenerQueues(querySockets(LIVE_STATES), s.port)[0]);
    const overflows = line.inServer(() => counterDeltas(before, readCounters()))["TcpExt.ListenOverflows"] ?? 0;
    const reset = await countResets(s.clients);
    const answered = await lateSynAnswered(s, sockets);
    const drainAt = s.at();
    hooks.progress?.(
      {
        en: `tcp_abort_on_overflow=${abort}: accepting for ${ACCEPT_WINDOW_MS / 1000} s, through the first SYN-ACK retransmission`,
        zh: `tcp_abort_on_overflow=${abort}: accept ${ACCEPT_WINDOW_MS / 1000} 秒, 经过第一次 SYN-ACK 重传`,
      },
      ACCEPT_WINDOW_MS,
    );
    const accepted = await acceptFor(s, ACCEPT_WINDOW_MS, sockets);
    const measured: Outcome = {
      connected: s.connected,
      reset,
      acceptQueue: queues?.acceptQueue ?? -1,
      listenOverflows: overflows,
      acceptedAfterDrain: accepted,
      neverAccepted: s.connected - reset - accepted,
      lateSynAnswered: answered ? "yes" : "no",
    };
    const params = overflowModel(
      o,
      abort,
      { kernel: localModelEnvironment().kernel },
      { connectAtMs: synTimes(s, o.delay!), observeAtMs: observeAt, drainAtMs: drainAt },
    );
    const predicted = overflowPrediction(simulate(params));
    return {
      abortOnOverflow: abort,
      measured,
      predicted,
      packets: line.log.slice(),
      series: s.sampler.stop(),
      verdict: compare(measured, predicted),
    };
  } finally {
    stage?.sampler.stop();
    for (const s of sockets) s.close();
    line.close();
  }
}

export async function runOverflow(options: OverflowOptions = {}, hooks: RunHooks = {}): Promise<OverflowResult> {
  const o = { backlog: options.backlog ?? 2, burst: options.burst ?? 4, delay: options.oneWayDelayMs ?? 50 };
  const cases = [await runCase(0, o, hooks), await runCase(1, o, hooks)];
  const differences = cases.flatMap((c) =>
    c.verdict.differences.map((d) => `abort_on_overflow=${c.abortOnOverflow}: ${d}`),
  );
  return {
    experiment: "overflow",
    backlog: o.backlog,
    burst: o.burst,
    oneWayDelayMs: o.delay,
    cases,
    series: cases[0]!.series,
    verdict: { agree: differences.length === 0, differences },
  };
}

export const overflowExperiment: Experiment<OverflowResult> = {
  name: "overflow",
  summary: {
    en: "the accept queue fills between SYN-ACK and ACK: tcp_abort_on_overflow 0 versus 1",
    zh: "accept 队列在 SYN-ACK 与 ACK 之间被填满: tcp_abort_on_overflow 0 与 1 的对比",
  },
  needsRoot: true,
  options: [
    {
      name: "backlog",
      default: 2,
      min: 0,
      max: 64,
      help: {
        en: "the listen() backlog, already full when the burst comes",
        zh: "listen() 的 backlog, 突发到来时已满",
      },
    },
    {
      name: "burst",
      default: 4,
      min: 1,
      max: 64,
      help: { en: "clients connecting at once", zh: "同时连接的客户端数" },
    },
    {
      name: "delay",
      default: 50,
      min: 5,
      max: 200,
      help: { en: "one-way delay of the line, ms", zh: "线路单程延迟, 毫秒" },
    },
  ],
  model: (o, env) =>
    ([0, 1] as const).map((abort) => ({
      label: `tcp_abort_on_overflow=${abort}: ${o.backlog} queued, then a burst of ${o.burst} over a ${2 * o.delay!} ms round trip`,
      zh: `tcp_abort_on_overflow=${abort}: 队列中已有 ${o.backlog} 个, 随后 ${o.burst} 个客户端在 ${2 * o.delay!} ms 往返时间下同时连接`,
      params: overflowModel(o, abort, env),
    })),
  predict: (runs) => runs.map(overflowPrediction),
  run: (o, hooks) => runOverflow({ backlog: o.backlog!, burst: o.burst!, oneWayDelayMs: o.delay! }, hooks),
  svg: (r) =>
    queueChartSvg(
      `lab overflow: listen(${r.backlog}) full, a burst of ${r.burst}`,
      r.cases.map((c) => ({ title: `tcp_abort_on_overflow=${c.abortOnOverflow}`, samples: c.series })),
    ),
  render: renderOverflow,
};
