// `socketkit lab overflow`: what clients see when the accept queue fills between the SYN-ACK and the final ACK, with
// tcp_abort_on_overflow 0 and 1, over a delay line between two private namespaces (root).
//   - The listener already holds `backlog` connections; then a burst of clients connects. Their SYNs all find room
//     (requests, or syncookies once the SYN queue is full), but only one final ACK fits in the accept queue.
//   - abort_on_overflow=0: every connect() succeeds; the ACKs that found the queue full are dropped. Requests get their
//     SYN-ACK again and get in once the application drains the queue; cookie clients have no state on the server
//     and are never accepted, though they believe they are connected.
//   - abort_on_overflow=1: the same clients are reset: their first recv() fails with ECONNRESET.
//   - Either way, a SYN that arrives while the queue is already full is dropped silently: no SYN-ACK, no RST.

import { counterDeltas, readCounters } from "../kernel/counters.js";
import { listenerQueues, querySockets } from "../kernel/sock-diag.js";
import { ConnectionResetError, TimeoutError } from "../socket/errors.js";
import { Socket } from "../socket/socket.js";
import { simulate } from "../sim/listen-path.js";
import { DelayLine, SERVER_ADDRESS, type LoggedPacket } from "./delay-line.js";
import { compare, type Verdict } from "./result.js";

export interface OverflowOptions {
  backlog?: number;
  burst?: number;
  oneWayDelayMs?: number;
}

interface Outcome extends Record<string, number | string> {
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
  verdict: Verdict;
}

export interface OverflowResult {
  experiment: "overflow";
  backlog: number;
  burst: number;
  oneWayDelayMs: number;
  cases: OverflowCase[];
  verdict: Verdict;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runCase(abort: 0 | 1, backlog: number, burst: number, delay: number): Promise<OverflowCase> {
  const line = DelayLine.create(() => delay, { "net.ipv4.tcp_abort_on_overflow": abort, "net.ipv4.tcp_syncookies": 1 });
  const sockets: Socket[] = [];
  const t0 = performance.now();
  const at = () => performance.now() - t0;
  try {
    const server = line.inServer(() => new Socket());
    sockets.push(server);
    server.bind([SERVER_ADDRESS, 0]);
    server.listen(backlog);
    const before = line.inServer(() => readCounters());
    const connectAt: number[] = [];
    const clients = Array.from({ length: backlog + burst }, () => line.inClient(() => new Socket()));
    sockets.push(...clients);
    // The queue starts with `backlog` connections, each completed before the next...
    for (const c of clients.slice(0, backlog)) {
      connectAt.push(at());
      await c.connect([SERVER_ADDRESS, server.getsockname()[1] as number]);
    }
    // ...then the burst: all SYNs at once.
    const port = server.getsockname()[1] as number;
    const results = clients.slice(backlog).map((c) => {
      connectAt.push(at());
      return c.connect([SERVER_ADDRESS, port]).then(() => true, () => false);
    });
    const connected = (await Promise.all(results)).filter(Boolean).length + backlog;
    await sleep(4 * delay + 50);
    const observeAt = at();
    const queues = line.inServer(() => listenerQueues(querySockets(), port)[0]);
    const overflows = line.inServer(() => counterDeltas(before, readCounters()))["TcpExt.ListenOverflows"] ?? 0;
    // The first recv() shows whether the client was reset.
    let reset = 0;
    await Promise.all(
      clients.map(async (c) => {
        c.settimeout(0.2);
        try {
          await c.recv(1);
        } catch (err) {
          if (err instanceof ConnectionResetError) reset++;
          else if (!(err instanceof TimeoutError)) throw err;
        }
      }),
    );
    // One more client while the queue is full: its SYN must go unanswered.
    const late = line.inClient(() => new Socket());
    sockets.push(late);
    late.settimeout(0.5);
    const lateSent = line.now();
    await late.connect([SERVER_ADDRESS, port]).catch(() => undefined);
    const latePort = late.getsockname()[1] as number;
    const answered = line.log.some((p) => p.from === "server" && p.dstPort === latePort && p.t >= lateSent && (p.syn || p.rst));
    late.close();
    // Drain, and keep accepting through the first SYN-ACK retransmission.
    const drainAt = at();
    server.settimeout(0);
    let accepted = 0;
    const until = performance.now() + 1800;
    while (performance.now() < until) {
      try {
        const [conn] = await server.accept();
        sockets.push(conn);
        accepted++;
      } catch {
        await sleep(20);
      }
    }
    const measured: Outcome = {
      connected,
      reset,
      acceptQueue: queues?.acceptQueue ?? -1,
      listenOverflows: overflows,
      acceptedAfterDrain: accepted,
      neverAccepted: connected - reset - accepted,
      lateSynAnswered: answered ? "yes" : "no",
    };
    const model = simulate({
      backlog,
      clients: backlog + burst,
      connectAtMs: connectAt,
      rttMs: 2 * delay,
      tcpSyncookies: 1,
      tcpAbortOnOverflow: abort,
      observeAtMs: observeAt,
      acceptFromMs: drainAt,
      durationMs: drainAt + 1800,
    });
    const modelReset = model.connections.filter((c) => c.client === "RESET").length;
    const modelAccepted = model.connections.filter((c) => c.acceptedAt !== null).length;
    const modelConnected = model.connections.filter((c) => c.connectedAt !== null).length;
    const predicted: Outcome = {
      connected: modelConnected,
      reset: modelReset,
      acceptQueue: model.observation.acceptQueue,
      listenOverflows: model.observation.counters.ListenOverflows,
      acceptedAfterDrain: modelAccepted,
      neverAccepted: modelConnected - modelReset - modelAccepted,
      // The model's rule for a SYN that meets a full accept queue: dropped, nothing sent back.
      lateSynAnswered: "no",
    };
    return { abortOnOverflow: abort, measured, predicted, packets: line.log.slice(), verdict: compare(measured, predicted) };
  } finally {
    for (const s of sockets) s.close();
    line.close();
  }
}

export async function runOverflow(options: OverflowOptions = {}): Promise<OverflowResult> {
  const backlog = options.backlog ?? 2;
  const burst = options.burst ?? 4;
  const oneWayDelayMs = options.oneWayDelayMs ?? 50;
  const cases = [await runCase(0, backlog, burst, oneWayDelayMs), await runCase(1, backlog, burst, oneWayDelayMs)];
  const differences = cases.flatMap((c) => c.verdict.differences.map((d) => `abort_on_overflow=${c.abortOnOverflow}: ${d}`));
  return { experiment: "overflow", backlog, burst, oneWayDelayMs, cases, verdict: { agree: differences.length === 0, differences } };
}

