// `socketkit lab backlog`: how many connections the kernel completes with no accept() (min(backlog, somaxconn) + 1),
// which clients wait in SYN-SENT, the ListenOverflows they cause, and when each gets in once the application drains
// the queue — at its next SYN retransmission. The model runs with the same settings and must agree.

import { release } from "node:os";
import { counterDeltas, readCounters } from "../kernel/counters.js";
import { readTcpSockets } from "../kernel/proc-net-tcp.js";
import { readListenSysctls, type ListenSysctls } from "../kernel/sysctl.js";
import { Socket } from "../socket/socket.js";
import { simulate } from "../sim/listen-path.js";
import { parseKernelVersion } from "../sim/params.js";
import { compare, type TimelineStep, type Verdict } from "./result.js";

export interface BacklogOptions {
  backlog: number;
  clients: number;
  /** When the application starts accepting, ms after the connects; also when the counts are taken. */
  drainAtMs?: number;
  /** How long to wait for the last client after the drain. */
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
  sysctls: ListenSysctls;
  timeline: TimelineStep[];
  predicted: {
    established: number;
    synSent: number;
    listenOverflowsDelta: number;
    /** Each waiting client's next SYN retransmission after the drain, ms after the drain. */
    waitedAfterDrainMs: number[];
  };
  verdict: Verdict;
}

export async function runBacklog(options: BacklogOptions): Promise<BacklogResult> {
  const { backlog, clients } = options;
  const drainAtMs = options.drainAtMs ?? 300;
  const sysctls = readListenSysctls();
  const timeline: TimelineStep[] = [];
  const server = new Socket();
  const sockets = Array.from({ length: clients }, () => new Socket());
  const before = readCounters();
  const t0 = performance.now();
  const now = () => Math.round((performance.now() - t0) * 10) / 10;
  try {
    server.bind(["127.0.0.1", 0]);
    server.listen(backlog);
    const [, port] = server.getsockname() as [string, number];
    timeline.push({ t: 0, who: "server", what: `listen(${backlog}) on 127.0.0.1:${port}; accept() not called` });
    const connectedAt: Array<number | null> = sockets.map(() => null);
    const calledAt: number[] = [];
    const connects = sockets.map((s, i) =>
      (calledAt.push(now()), s.connect(["127.0.0.1", port])).then(
        () => {
          connectedAt[i] = now();
        },
        () => undefined,
      ),
    );
    timeline.push({ t: now(), who: "client", what: `${clients} clients call connect()` });
    await new Promise((r) => setTimeout(r, drainAtMs));
    const observedAt = now();
    const established = connectedAt.filter((t) => t !== null).length;
    const states = readTcpSockets().filter((e) => e.remotePort === port && e.remoteAddress === "127.0.0.1");
    const synSent = states.filter((e) => e.state === "SYN-SENT").length;
    const acceptQueue = readTcpSockets().find((e) => e.state === "LISTEN" && e.localPort === port)?.rxQueue ?? 0;
    const overflows = counterDeltas(before, readCounters())["TcpExt.ListenOverflows"] ?? 0;
    timeline.push({ t: now(), who: "kernel", what: `${established} connects completed, ${synSent} clients in SYN-SENT, accept queue ${acceptQueue}, ListenOverflows +${overflows}` });

    const drainedAt = now();
    timeline.push({ t: drainedAt, who: "server", what: "accept() called in a loop: the queue drains" });
    const accepted: Socket[] = [];
    let accepting = true;
    const acceptLoop = (async () => {
      while (accepting) {
        try {
          accepted.push((await server.accept())[0]);
        } catch {
          break;
        }
      }
    })();
    const waiting = sockets.map((_, i) => i).filter((i) => connectedAt[i] === null);
    const limit = options.waitMs ?? 4000;
    await Promise.race([Promise.all(waiting.map((i) => connects[i])), new Promise((r) => setTimeout(r, limit))]);
    const waitedAfterDrainMs = waiting.map((i) => (connectedAt[i] === null ? null : Math.round(connectedAt[i]! - drainedAt)));
    for (const [k, w] of waitedAfterDrainMs.entries()) {
      timeline.push({ t: w === null ? now() : drainedAt + w, who: "client", what: w === null ? `client ${waiting[k]} still waiting` : `client ${waiting[k]} connected (SYN retransmission)` });
    }
    accepting = false;
    for (const a of accepted) a.close();

    const model = simulate({
      backlog,
      clients,
      somaxconn: sysctls.somaxconn,
      tcpSyncookies: (sysctls.tcpSyncookies as 0 | 1 | 2) ?? 1,
      tcpAbortOnOverflow: (sysctls.tcpAbortOnOverflow as 0 | 1) ?? 0,
      tcpMaxSynBacklog: sysctls.tcpMaxSynBacklog,
      tcpSynRetries: sysctls.tcpSynRetries,
      tcpSynLinearTimeouts: sysctls.tcpSynLinearTimeouts,
      tcpSynackRetries: sysctls.tcpSynackRetries,
      kernel: parseKernelVersion(release()),
      // The model replays what happened: each connect() when it was called, the counts and the drain when they
      // were taken (a busy machine fires timers late).
      // On loopback each connect() finishes its handshake inside the system call, before the next one starts:
      // a round trip far shorter than the gap between two calls, which keep their order.
      connectAtMs: calledAt.map((t, i) => t + i * 0.002),
      rttMs: 0.001,
      observeAtMs: observedAt,
      acceptFromMs: drainedAt,
      durationMs: drainedAt + limit,
    });
    const predictedWaits = model.connections
      .filter((c) => c.connectedAt !== null && c.connectedAt > drainedAt)
      .map((c) => Math.round(c.connectedAt! - drainedAt));
    const predicted = {
      established: model.observation.established,
      synSent: model.observation.synSent,
      listenOverflowsDelta: model.observation.counters.ListenOverflows,
      waitedAfterDrainMs: predictedWaits,
    };
    // Retransmissions are timer-driven: each waiting client must get in within 150 ms of the model's time.
    const joins = (xs: Array<number | null>) => xs.map((x) => (x === null ? Infinity : x)).sort((a, b) => a - b);
    const [m, p] = [joins(waitedAfterDrainMs), joins(predictedWaits)];
    const joinsAgree = m.length === p.length && m.every((x, i) => Math.abs(x - p[i]!) <= 150);
    const verdict = compare(
      { established, synSent, listenOverflowsDelta: overflows, waitingClientsGetIn: joinsAgree ? "as predicted" : m.join(",") },
      {
        established: predicted.established,
        synSent: predicted.synSent,
        listenOverflowsDelta: predicted.listenOverflowsDelta,
        waitingClientsGetIn: joinsAgree ? "as predicted" : p.join(","),
      },
    );
    void acceptLoop;
    return {
      experiment: "backlog",
      backlog,
      somaxconn: sysctls.somaxconn,
      clients,
      established,
      synSent,
      listenOverflowsDelta: overflows,
      acceptQueue,
      waitedAfterDrainMs,
      sysctls,
      timeline,
      predicted,
      verdict,
    };
  } finally {
    for (const s of sockets) s.close();
    server.close();
  }
}
