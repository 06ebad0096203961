// `lab overflow` on the kernel, over a delay line: the queue filled, the burst that meets it, what the clients saw
// and the server counted, the drain, and the model's replay of the measured schedule, for abort_on_overflow 0 and 1.

import { counterDeltas, readCounters } from "../../../kernel/counters.js";
import { LIVE_STATES, listenerQueues, querySockets } from "../../../kernel/sock-diag.js";
import { BlockingIOError, ConnectionResetError } from "../../../socket/errors.js";
import { Socket } from "../../../socket/socket.js";
import { deadlineFor, hasPassed } from "../../../socket/timeout.js";
import { simulate } from "../../../sim/listen-path.js";
import { sleep, startClock } from "../../clock.js";
import { DelayLine, SERVER_ADDRESS } from "../../delay-line.js";
import type { RunHooks } from "../../experiment.js";
import { localKernel } from "../../model-environment.js";
import { QueueSampler, synRecvOf, type SampleSource } from "../../queue-sampler.js";
import { compare, joinVerdicts } from "../../verdict.js";
import { ACCEPT_WINDOW_MS, overflowModel, overflowPrediction } from "./model.js";
import type { OverflowOptions } from "./options.js";
import type { OverflowCase, OverflowOutcome, OverflowResult } from "./result.js";

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
  o: OverflowOptions,
  sockets: Socket[],
): Promise<Stage & { connected: number; burstAt: number }> {
  const server = line.inServer(() => new Socket());
  sockets.push(server);
  server.bind([SERVER_ADDRESS, 0]);
  server.listen(o.backlog);
  const port = server.getsockname()[1] as number;
  const at = startClock();
  const clients = Array.from({ length: o.backlog + o.burst }, () => line.inClient(() => new Socket()));
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
  for (const c of clients.slice(0, o.backlog)) {
    stage.connectAt.push(at());
    await c.connect([SERVER_ADDRESS, port]);
  }
  const burstAt = at();
  const results = clients.slice(o.backlog).map(
    (c) => (
      stage.connectAt.push(burstAt),
      c.connect([SERVER_ADDRESS, port]).then(
        () => true,
        () => false,
      )
    ),
  );
  const connected = (await Promise.all(results)).filter(Boolean).length + o.backlog;
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

async function runCase(abort: 0 | 1, o: OverflowOptions, hooks: RunHooks): Promise<OverflowCase> {
  const line = DelayLine.create(() => o.delay, {
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
    const measured: OverflowOutcome = {
      connected: s.connected,
      reset,
      acceptQueue: queues?.acceptQueue ?? -1,
      listenOverflows: overflows,
      acceptedAfterDrain: accepted,
      neverAccepted: s.connected - reset - accepted,
      lateSynAnswered: answered ? "yes" : "no",
    };
    const params = overflowModel(o, abort, localKernel(), {
      connectAtMs: synTimes(s, o.delay),
      observeAtMs: observeAt,
      drainAtMs: drainAt,
    });
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

export async function runOverflow(o: OverflowOptions, hooks: RunHooks = {}): Promise<OverflowResult> {
  const cases = [await runCase(0, o, hooks), await runCase(1, o, hooks)];
  return {
    experiment: "overflow",
    backlog: o.backlog,
    burst: o.burst,
    oneWayDelayMs: o.delay,
    cases,
    series: cases[0]!.series,
    verdict: joinVerdicts(cases, (c) => `abort_on_overflow=${c.abortOnOverflow}`),
  };
}
