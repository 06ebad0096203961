// `lab overflow` on the kernel, over a delay line: the queue filled, the burst that meets it, what the clients saw
// and the server counted, the drain, and the model's replay of the measured schedule, for abort_on_overflow 0 and 1.

import { counterDeltas, readCounters, type Counters } from "../../../kernel/counters.js";
import { BlockingIOError, ConnectionResetError } from "../../../socket/errors.js";
import { Socket } from "../../../socket/socket.js";
import { deadlineFor, hasPassed } from "../../../socket/timeout.js";
import { simulate } from "../../../sim/listen-path.js";
import { withCleanup, type Cleanup } from "../../cleanup.js";
import { sleep, startClock } from "../../clock.js";
import { DelayLine, SERVER_ADDRESS } from "../../delay-line.js";
import type { RunHooks } from "../../experiment.js";
import { localKernel } from "../../model-environment.js";
import { QueueSampler, queuesOf, synRecvOf } from "../../queue-sampler.js";
import { listenOn, portOf } from "../../sockets.js";
import { compare, joinVerdicts } from "../../verdict.js";
import { ACCEPT_WINDOW_MS, overflowModel, overflowPrediction } from "./model.js";
import type { OverflowOptions } from "./options.js";
import type { OverflowCase, OverflowOutcome, OverflowResult } from "./result.js";

/** One case's line, listener and clients, and when each client called connect(), ms on the case's clock. */
interface Stage {
  line: DelayLine;
  before: Counters;
  server: Socket;
  port: number;
  clients: Socket[];
  at: () => number;
  connectAt: number[];
  sampler: QueueSampler;
  cleanup: Cleanup;
}

/** What the run saw once the line had settled after the burst, before any accept(). */
interface Observation {
  connected: number;
  observeAt: number;
  acceptQueue: number;
  listenOverflows: number;
  reset: number;
  lateSynAnswered: boolean;
}

/** Set up: the delay line with this case's sysctls, the listener behind it, the clients and the sampler. */
function setUp(abort: 0 | 1, o: OverflowOptions, cleanup: Cleanup): Stage {
  const sysctls = { "net.ipv4.tcp_abort_on_overflow": abort, "net.ipv4.tcp_syncookies": 1 };
  const line = cleanup.add(DelayLine.create(() => o.delay, sysctls));
  const before = line.inServer(() => readCounters());
  const server = cleanup.add(line.inServer(() => new Socket()));
  const port = listenOn(server, SERVER_ADDRESS, o.backlog);
  const at = startClock();
  const clients = Array.from({ length: o.backlog + o.burst }, () => cleanup.add(line.inClient(() => new Socket())));
  const synRecv = () => line.inServer(() => synRecvOf(port));
  const sampler = new QueueSampler({ listener: server, clients, synRecv }, at).start(20);
  cleanup.defer(() => sampler.stop());
  return { line, before, server, port, clients, at, connectAt: [], sampler, cleanup };
}

/** Provoke: the queue holds `backlog` connections, each completed before the next; then the burst, all at once. */
async function provoke(s: Stage, o: OverflowOptions): Promise<number> {
  for (const c of s.clients.slice(0, o.backlog)) {
    s.connectAt.push(s.at());
    await c.connect([SERVER_ADDRESS, s.port]);
  }
  const burstAt = s.at();
  const connects = s.clients.slice(o.backlog).map((c) => {
    s.connectAt.push(burstAt);
    return c.connect([SERVER_ADDRESS, s.port]).then(
      () => true,
      () => false,
    );
  });
  return (await Promise.all(connects)).filter(Boolean).length + o.backlog;
}

/** Observe, once the burst's ACKs (and resets) have crossed: the queue, the counter, resets, a late SYN's fate. */
async function observe(s: Stage, connected: number): Promise<Observation> {
  await s.line.settled();
  s.sampler.mark();
  const observeAt = s.at();
  const acceptQueue = s.line.inServer(() => queuesOf(s.port)?.acceptQueue ?? -1);
  const deltas = s.line.inServer(() => counterDeltas(s.before, readCounters()));
  const listenOverflows = deltas["TcpExt.ListenOverflows"] ?? 0;
  const reset = await countResets(s.clients);
  return { connected, observeAt, acceptQueue, listenOverflows, reset, lateSynAnswered: await lateSynAnswered(s) };
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
async function lateSynAnswered(s: Stage): Promise<boolean> {
  const late = s.cleanup.add(s.line.inClient(() => new Socket()));
  const sent = s.line.now();
  const connecting = late.connect([SERVER_ADDRESS, s.port]).catch(() => undefined);
  await s.line.settled();
  const port = portOf(late);
  late.close(); // its connect() never completes: the SYN was dropped, and this ends it
  void connecting;
  return s.line.log.some((p) => p.from === "server" && p.dstPort === port && p.t >= sent && (p.syn || p.rst));
}

/** Drain: accept for the whole window, through the first SYN-ACK retransmission; returns how many came. */
async function drain(s: Stage, abort: 0 | 1, hooks: RunHooks): Promise<number> {
  hooks.progress?.(
    {
      en: `tcp_abort_on_overflow=${abort}: accepting for ${ACCEPT_WINDOW_MS / 1000} s, through the first SYN-ACK retransmission`,
      zh: `tcp_abort_on_overflow=${abort}: accept ${ACCEPT_WINDOW_MS / 1000} 秒, 经过第一次 SYN-ACK 重传`,
    },
    ACCEPT_WINDOW_MS,
  );
  s.server.settimeout(0);
  let accepted = 0;
  for (const deadline = deadlineFor(ACCEPT_WINDOW_MS / 1000); !hasPassed(deadline);) {
    try {
      s.cleanup.add((await s.server.accept())[0]);
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
    const deliveredAt = s.line.synFrom(portOf(c))?.deliveredAt;
    return deliveredAt === undefined ? (s.connectAt[i] ?? 0) : Math.max(0, deliveredAt - offset - delay);
  });
}

/** Model: the same options and abort setting, replaying the SYN, observation and drain times the run measured. */
function model(s: Stage, o: OverflowOptions, abort: 0 | 1, seen: Observation, drainAt: number): OverflowOutcome {
  const times = { connectAtMs: synTimes(s, o.delay), observeAtMs: seen.observeAt, drainAtMs: drainAt };
  return overflowPrediction(simulate(overflowModel(o, abort, localKernel(), times)));
}

/** What the run measured, in the fields the model predicts. */
function outcome(seen: Observation, accepted: number): OverflowOutcome {
  return {
    connected: seen.connected,
    reset: seen.reset,
    acceptQueue: seen.acceptQueue,
    listenOverflows: seen.listenOverflows,
    acceptedAfterDrain: accepted,
    neverAccepted: seen.connected - seen.reset - accepted,
    lateSynAnswered: seen.lateSynAnswered ? "yes" : "no",
  };
}

/** One case, tcp_abort_on_overflow=`abort`, in namespaces of its own: set up, provoke, observe, drain, compare. */
async function runCase(abort: 0 | 1, o: OverflowOptions, hooks: RunHooks): Promise<OverflowCase> {
  return withCleanup(async (cleanup) => {
    const s = setUp(abort, o, cleanup);
    const seen = await observe(s, await provoke(s, o));
    const drainAt = s.at();
    const measured = outcome(seen, await drain(s, abort, hooks));
    const predicted = model(s, o, abort, seen, drainAt);
    const packets = s.line.log.slice();
    return {
      abortOnOverflow: abort,
      measured,
      predicted,
      packets,
      series: s.sampler.stop(),
      verdict: compare(measured, predicted),
    };
  });
}

/** Runs `lab overflow` on this kernel: both cases, each over a delay line of its own (root). */
export async function runOverflow(o: OverflowOptions, hooks: RunHooks = {}): Promise<OverflowResult> {
  const cases = [await runCase(0, o, hooks), await runCase(1, o, hooks)];
  return {
    experiment: "overflow",
    backlog: o.backlog,
    burst: o.burst,
    oneWayDelayMs: o.delay,
    cases,
    series: cases[0]?.series ?? [],
    verdict: joinVerdicts(cases, (c) => `abort_on_overflow=${c.abortOnOverflow}`),
  };
}
