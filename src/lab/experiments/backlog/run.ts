// `lab backlog` on the kernel: listen(backlog) with no accept(), the clients connecting one after the other, the
// counts at --drain-at, then the drain and each waiting client's way in — over a zero-delay line between two private
// namespaces as root (every packet logged, --somaxconn and --syn-retries set there), on loopback otherwise.

import { LIVE_STATES, listenerQueues, querySockets } from "../../../kernel/sock-diag.js";
import { OSError } from "../../../socket/errors.js";
import { Socket } from "../../../socket/socket.js";
import { withCleanup, type Cleanup } from "../../cleanup.js";
import { pollUntil, settledWithin } from "../../clock.js";
import { sysctlsOf, type RunHooks } from "../../experiment.js";
import { allMarkers, type Marker } from "../../markers.js";
import { predictCases } from "../../model-cases.js";
import type { ModelEnvironment } from "../../model-environment.js";
import { Place } from "../../place.js";
import { waitShowingProgress } from "../../progress.js";
import { QueueSampler } from "../../queue-sampler.js";
import { listenOn, portOf } from "../../sockets.js";
import { Timeline } from "../../timeline.js";
import { backlogClaims, type BacklogRecords } from "./claims.js";
import { backlogCases, backlogPrediction, roundMidpoints, waitUntilMs } from "./model.js";
import { backlogOptions, type BacklogOptions } from "./options.js";
import type { BacklogResult } from "./result.js";

/** The listener and its clients, from listen() to the drain, and what the run recorded on the way. */
interface Stage {
  place: Place;
  settings: ModelEnvironment;
  server: Socket;
  port: number;
  clients: Socket[];
  timeline: Timeline;
  sampler: QueueSampler;
  /** ListenOverflows when the case began. */
  before: number;
  markers: Marker[];
  calledAt: number[];
  connectedAt: Array<number | null>;
  failures: string[];
  failedAt: Array<number | undefined>;
  /** Each client's port, once its connect() has bound it. */
  ports: number[];
  connects: Array<Promise<void>>;
  cleanup: Cleanup;
}

/** Set up: the place with the sysctls asked for, the listener — listen(backlog), no accept() — and the clients. */
function setUp(o: BacklogOptions, cleanup: Cleanup): Stage {
  const sysctls = sysctlsOf(backlogOptions, o);
  const place = Place.open(cleanup, { sysctls: { server: sysctls, client: sysctls } });
  const server = cleanup.add(place.inServer(() => new Socket()));
  const port = listenOn(server, place.host, o.backlog);
  const clients = Array.from({ length: o.clients }, () => cleanup.add(place.inClient(() => new Socket())));
  const before = place.tcpExt("ListenOverflows");
  const source = { listener: server, clients, listenOverflows: () => place.tcpExt("ListenOverflows") - before };
  const sampler = new QueueSampler(source, place.now).start(20);
  cleanup.defer(() => sampler.stop());
  place.probeQueue(() => server.tcpInfo().unacked);
  place.onDelivered(() => sampler.markAfterPacket());
  const none = clients.map(() => null);
  const timeline = new Timeline(place.now);
  const failures = clients.map(() => "");
  const recorded = { markers: [], calledAt: [], connectedAt: none, failures, failedAt: [], ports: [], connects: [] };
  return { place, settings: place.settings(), server, port, clients, timeline, sampler, before, ...recorded, cleanup };
}

/** Client `i` calls connect(); its promise records when it returned, or how it failed (the run may be over). */
function connect(s: Stage, i: number): void {
  const c = s.clients[i]!;
  s.calledAt.push(s.place.now());
  const returned = () => {
    s.connectedAt[i] = s.place.now();
    s.markers.push({ t: s.place.now(), kind: "connect() returns", port: s.ports[i] });
  };
  const failed = (err: unknown) => {
    s.failures[i] = err instanceof OSError ? (err.code ?? String(err.errno)) : String(err);
    s.failedAt[i] = s.place.now();
    s.markers.push({ t: s.place.now(), kind: "connect() fails", port: s.ports[i] });
  };
  s.connects.push(c.connect([s.place.host, s.port]).then(returned, failed));
}

/** Provoke: the clients connect one after the other, each one's SYN decided before the next; none is accepted. */
async function provoke(s: Stage, o: BacklogOptions): Promise<void> {
  const where = `${s.place.host}:${s.port}`;
  s.timeline.add(
    "server",
    {
      en: `listen(${o.backlog}) on ${where}; accept() not called`,
      zh: `在 ${where} 上 listen(${o.backlog})；不调用 accept()`,
    },
    s.place.now(),
    0,
  );
  for (let i = 0; i < s.clients.length; i++) {
    connect(s, i);
    // Its SYN has left once its state is no longer UNCONN; the line has carried it and any answer once settled.
    await pollUntil(
      () => s.clients[i]!.tcpInfo().state,
      (st) => st !== "UNCONN",
      1000,
      0,
    );
    s.ports[i] = portOf(s.clients[i]!);
    await s.place.settled();
  }
  s.timeline.add("client", {
    en: `${o.clients} clients called connect()`,
    zh: `${o.clients} 个客户端调用了 connect()`,
  });
}

/** What the run shows while it waits for the drain: who waits, and the counter so far. */
function waitingNote(s: Stage, drainAtS: number) {
  const waiting = s.clients.filter((c) => c.tcpInfo().state === "SYN-SENT").length;
  const overflows = s.place.tcpExt("ListenOverflows") - s.before;
  return {
    en: `${waiting} clients in SYN-SENT, ListenOverflows +${overflows}; accept() starts at ${drainAtS} s`,
    zh: `${waiting} 个客户端在 SYN-SENT，ListenOverflows +${overflows}；${drainAtS} 秒时开始 accept()`,
  };
}

/** Observe, before any accept(): every client's state, the queue two ways, the listener's connections, the counter. */
function observe(s: Stage) {
  s.sampler.mark();
  const observedAt = s.place.now();
  const states = s.clients.map((c) => c.tcpInfo().state);
  const queues = s.place.inServer(() => listenerQueues(querySockets(LIVE_STATES), s.port)[0]);
  const queueTcpInfo = s.server.tcpInfo().unacked;
  const overflowsCounted = s.place.tcpExt("ListenOverflows") - s.before;
  const count = (state: string) => states.filter((st) => st === state).length;
  const [estab, waiting] = [count("ESTAB"), count("SYN-SENT")];
  const gone = states.length - estab - waiting;
  s.timeline.add(
    "kernel",
    {
      en: `${estab} connects completed, ${waiting} clients in SYN-SENT${gone ? `, ${gone} gave up` : ""}, accept queue ${queueTcpInfo}, ListenOverflows +${overflowsCounted}`,
      zh: `${estab} 个连接完成，${waiting} 个客户端在 SYN-SENT${gone ? `，${gone} 个已放弃` : ""}，accept 队列 ${queueTcpInfo}，ListenOverflows +${overflowsCounted}`,
    },
    observedAt,
  );
  s.markers.push({ t: observedAt, kind: "counts" });
  const sockDiag = { queueSockDiag: queues?.acceptQueue ?? -1, establishedSockDiag: queues?.established ?? -1 };
  return { observedAt, states, queueTcpInfo, overflowsCounted, ...sockDiag };
}

/**
 * How long after `now` the run waits for the waiting clients at most: until the latest of their next SYN (or
 * giving up), each on its own schedule from its own connect(), and a margin.
 */
function joinBound(s: Stage, states: string[], now: number): number {
  const ends = states.flatMap((st, i) =>
    st === "SYN-SENT" ? [s.calledAt[i]! + waitUntilMs(s.settings, now - s.calledAt[i]!)] : [],
  );
  return Math.max(0, ...ends.map((end) => end - now));
}

/** Drain: accept() in a loop from now on; wait until every waiting client got in or gave up, within the bound. */
async function drain(s: Stage, states: string[], hooks: RunHooks): Promise<number> {
  const drainAt = s.place.now();
  s.markers.push({ t: drainAt, kind: "drain" });
  s.timeline.add("server", { en: "accept() called in a loop: the queue drains", zh: "循环调用 accept()：队列被清空" });
  s.server.settimeout(null);
  void (async () => {
    for (;;) {
      const [conn, peer] = await s.server.accept();
      s.cleanup.add(conn);
      s.markers.push({
        t: s.place.now(),
        kind: "accept() returns",
        port: Array.isArray(peer) ? Number(peer[1]) : undefined,
      });
    }
  })().catch(() => undefined); // ends when the listener is closed
  const waiting = states.flatMap((st, i) => (st === "SYN-SENT" ? [s.connects[i]!] : []));
  const left = joinBound(s, states, drainAt);
  if (waiting.length > 0) {
    const note = {
      en: `waiting for ${waiting.length} clients' next SYN retransmission`,
      zh: `等待 ${waiting.length} 个客户端的下一次 SYN 重传`,
    };
    hooks.progress?.(note, left);
  }
  await settledWithin(Promise.all(waiting), left);
  return drainAt;
}

/** The story's last steps: each waiting client's way in (or not), at the moment it happened. */
function joinSteps(s: Stage, states: string[]): void {
  states.forEach((st, i) => {
    if (st === "ESTAB") return;
    const at = s.connectedAt[i];
    if (at !== null && at !== undefined)
      s.timeline.add(
        "client",
        { en: `client ${i} connected (SYN retransmission)`, zh: `客户端 ${i} 已连接（SYN 重传）` },
        at,
      );
    else {
      const what = {
        en: `client ${i}: ${s.failures[i] || "still waiting"}`,
        zh: `客户端 ${i}：${s.failures[i] || "仍在等待"}`,
      };
      s.timeline.add("client", what, s.failedAt[i]);
    }
  });
}

/** When the last client not connected at the counts (waiting, or given up) called connect(). */
function lastWaiting(s: Stage, states: string[]): number {
  return Math.max(0, ...states.flatMap((st, i) => (st !== "ESTAB" ? [s.calledAt[i]!] : [])));
}

/** Runs `lab backlog` on this kernel: over a delay line as root, on this namespace's loopback otherwise. */
export async function runBacklog(o: BacklogOptions, hooks: RunHooks = {}): Promise<BacklogResult> {
  return withCleanup(async (cleanup) => {
    const s = setUp(o, cleanup);
    await provoke(s, o);
    const drainMs = o["drain-at"] * 1000;
    await waitShowingProgress(drainMs - (s.place.now() - s.calledAt[0]!), hooks, () => waitingNote(s, o["drain-at"]));
    const seen = observe(s);
    const drainAt = await drain(s, seen.states, hooks);
    joinSteps(s, seen.states);
    // A connect() that failed resets its socket (connect(AF_UNSPEC)), and its tcp_info with it: the count is the
    // larger of what tcp_info says now and the retransmissions the samples saw it count.
    const seenRetrans = s.sampler.retransmissionsSeen();
    const end = {
      endStates: s.clients.map((c) => c.tcpInfo().state),
      totalRetrans: s.clients.map((c, i) => Math.max(c.tcpInfo().totalRetrans, seenRetrans[i]!.length)),
    };
    const capture = await s.place.finish(hooks);
    const records: BacklogRecords = {
      max: Math.min(o.backlog, s.settings.somaxconn ?? o.backlog),
      ports: s.ports,
      ...{ calledAt: s.calledAt, connectedAt: s.connectedAt, failures: s.failures },
      ...seen,
      drainAt,
      ...end,
      retransAt: seenRetrans,
      series: s.sampler.stop(),
      midpoints: roundMidpoints(s.settings, lastWaiting(s, seen.states), seen.observedAt),
      capture,
    };
    const [modelled] = predictCases(backlogCases(o, s.settings), backlogPrediction);
    const evidence = {
      packets: capture?.packets.slice() ?? null,
      series: records.series.slice(),
      timeline: s.timeline.steps,
      markers: allMarkers(s.markers, capture),
    };
    const one = { ...modelled!, ...backlogClaims(records, modelled!.predicted), evidence };
    return {
      experiment: "backlog",
      source: "lab",
      options: o,
      settings: s.settings,
      cases: [one],
      verdict: one.verdict,
    };
  });
}
