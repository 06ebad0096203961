// `lab backlog`'s findings, each read from the run's records — the clients' tcp_info and connect() results, the
// listener's sock_diag, the counters and queue samples, and (as root, over the delay line) the packets — and held
// against the model and against each other. Pure: a test hands it records with a seeded lie.

import { answerTo, overflowingPackets, serverPacketsTo, synsFrom, type Capture } from "../../capture.js";
import { judge, type ClaimSpecs, type Judgement, type Reading } from "../../claims.js";
import { sampleAt, type QueueSample } from "../../queue-sampler.js";
import { plural } from "../../view.js";
import { commonList, retransmissionHistogram, tenths } from "./model.js";
import type { BacklogFacts } from "./result.js";

/** What a backlog run recorded, for its claims; times are ms on the run's clock. */
export interface BacklogRecords {
  /** min(backlog, somaxconn): the accept queue is full above it. */
  max: number;
  ports: number[];
  /** When each client called connect(), and when it resolved (null: never) or how it failed ("" if it did not). */
  calledAt: number[];
  connectedAt: Array<number | null>;
  failures: string[];
  observedAt: number;
  drainAt: number;
  /** Each client's state at the counts, and at the end; its SYN retransmissions at the end (tcp_info). */
  states: string[];
  endStates: string[];
  totalRetrans: number[];
  /** When each client's tcp_info counted one more retransmission, as the sampler saw it. */
  retransAt: number[][];
  queueSockDiag: number;
  queueTcpInfo: number;
  /** The listener's connections in ESTAB or CLOSE-WAIT at the counts (sock_diag). */
  establishedSockDiag: number;
  overflowsCounted: number;
  series: readonly QueueSample[];
  /** When each retransmission round's counter is read (roundMidpoints). */
  midpoints: number[];
  capture: Capture | null;
}

/**
 * How far a measured SYN time may be from the schedule's `seconds` and still agree: the kernel's timer wheel fires a
 * timeout up to about 1/8 of its length late (kernel/time/timer.c), which adds up along a schedule, and what a
 * process sees (a connect() returning, a sample of tcp_info) lags by its event loop — 0.2 s for that.
 */
export function timerSlack(seconds: number): number {
  return 0.2 + seconds / 8;
}

/** Readings of one waiting client against another: as near as the event loop allows. */
const tolerance = 0.2;

/** The indices of the clients not connected at the counts: in SYN-SENT, or given up already. */
function waiting(r: BacklogRecords): number[] {
  return r.states.flatMap((st, i) => (st !== "ESTAB" ? [i] : []));
}

/** The packets' reading, where there are packets: a claim rests on them only when the run had a delay line. */
function fromPackets<V extends Reading["value"]>(r: BacklogRecords, read: (c: Capture) => V) {
  return r.capture ? [{ evidence: "packets" as const, value: read(r.capture) }] : [];
}

/** Whether client port `port` got a SYN-ACK from `fromT` to `toT`. */
function synAcked(c: Capture, port: number, fromT: number, toT: number): boolean {
  return serverPacketsTo(c, port, fromT, toT).some((p) => p.kind === "SYN-ACK");
}

/** A waiting client's SYN retransmissions before the drain, seconds after its first SYN, by the packets. */
function retransmitsByPackets(c: Capture, port: number, drainAt: number): number[] {
  const syns = synsFrom(c, port);
  const first = syns[0]?.t ?? 0;
  return syns
    .slice(1)
    .filter((s) => s.t < drainAt)
    .map((s) => tenths(s.t - first));
}

/** When each joined client got in, seconds after its first SYN, by the packets: the SYN that was answered. */
function joinedByPackets(c: Capture, ports: number[]): number | null {
  const times = ports.flatMap((port) => {
    const syns = synsFrom(c, port);
    const answered = syns.find((s) => answerTo(c, s)?.kind === "SYN-ACK");
    return answered && syns[0] ? [[tenths(answered.t - syns[0].t)]] : [];
  });
  return times.length ? commonList(times, tolerance)[0]! : null;
}

/** The specs of the counts before the drain. */
function countSpecs(r: BacklogRecords): Pick<ClaimSpecs<BacklogFacts>, "established" | "synSent" | "listenOverflows"> {
  const estab = r.states.filter((s) => s === "ESTAB").length;
  return {
    established: {
      readings: [
        { evidence: "tcp_info", value: estab },
        { evidence: "sock_diag", value: r.establishedSockDiag },
        ...fromPackets(r, (c) => r.ports.filter((p) => synAcked(c, p, -Infinity, r.observedAt)).length),
      ],
      say: (n) => ({
        en: `${plural(n, "connect()")} completed with no accept()`,
        zh: `不调用 accept() 时有 ${n} 个 connect() 完成`,
      }),
    },
    synSent: {
      readings: [
        { evidence: "tcp_info", value: waiting(r).length },
        ...fromPackets(r, (c) => r.ports.filter((p) => !synAcked(c, p, -Infinity, r.observedAt)).length),
      ],
      say: (n) => ({
        en: `${n} waited in SYN-SENT, their SYNs dropped`,
        zh: `${n} 个在 SYN-SENT 等待，它们的 SYN 被丢弃`,
      }),
    },
    listenOverflows: {
      readings: [
        { evidence: "counters", value: r.overflowsCounted },
        ...fromPackets(r, (c) => overflowingPackets(c, r.max, r.observedAt).length),
      ],
      say: (n) => ({ en: `ListenOverflows +${n} by then`, zh: `此时 ListenOverflows +${n}` }),
    },
  };
}

/** The specs of the retransmission rounds before the drain. */
function roundSpecs(
  r: BacklogRecords,
  p: BacklogFacts,
): Pick<ClaimSpecs<BacklogFacts>, "overflowsByRound" | "synRetransmitsAtS"> {
  const w = waiting(r);
  const slack = p.synRetransmitsAtS.map(timerSlack);
  return {
    overflowsByRound: {
      readings: [
        {
          evidence: "queue samples",
          value: r.midpoints.map((m) => sampleAt(r.series, m)?.listenOverflows ?? 0),
        },
        ...fromPackets(r, (c) => r.midpoints.map((m) => overflowingPackets(c, r.max, m).length)),
      ],
      say: (v) => ({
        en: `ListenOverflows after each retransmission round: ${v.join(", ") || "-"}`,
        zh: `每轮重传后的 ListenOverflows：${v.join("，") || "-"}`,
      }),
    },
    synRetransmitsAtS: {
      readings: [
        ...fromPackets(r, (c) =>
          commonList(
            w.map((i) => retransmitsByPackets(c, r.ports[i]!, r.drainAt)),
            tolerance,
          ),
        ),
        {
          evidence: "tcp_info",
          value: commonList(
            w.map((i) => r.retransAt[i]!.filter((t) => t < r.drainAt).map((t) => tenths(t - r.calledAt[i]!))),
            tolerance,
          ),
        },
      ],
      tolerance: slack,
      say: (v) => ({
        en: v.length
          ? `each waiting client retransmitted its SYN at ${v.join(", ")} s before the drain`
          : "no waiting client retransmitted its SYN before the drain",
        zh: v.length
          ? `每个等待的客户端在清空队列前于 ${v.join("、")} 秒重传 SYN`
          : "清空队列前没有等待的客户端重传 SYN",
      }),
    },
  };
}

/** The specs of the way in after the drain. */
function joinSpecs(
  r: BacklogRecords,
  p: BacklogFacts,
): Pick<ClaimSpecs<BacklogFacts>, "joined" | "joinedAtS" | "timedOut"> {
  const w = waiting(r);
  const joined = w.filter((i) => r.connectedAt[i] !== null);
  const ports = w.map((i) => r.ports[i]!);
  const byConnect = joined.map((i) => [tenths(r.connectedAt[i]! - r.calledAt[i]!)]);
  return {
    joined: {
      readings: [
        { evidence: "connect()", value: joined.length },
        { evidence: "tcp_info", value: w.filter((i) => r.endStates[i] === "ESTAB").length },
        ...fromPackets(r, (c) => ports.filter((p) => synAcked(c, p, r.drainAt, Infinity)).length),
      ],
      say: (n) => ({
        en: `${plural(n, "waiting client")} got in after the drain`,
        zh: `清空队列后有 ${n} 个等待的客户端进入`,
      }),
    },
    joinedAtS: {
      readings: [
        { evidence: "connect()", value: byConnect.length ? commonList(byConnect, tolerance)[0]! : null },
        ...fromPackets(r, (c) => joinedByPackets(c, ports)),
      ],
      tolerance: timerSlack(p.joinedAtS ?? 0),
      say: (s) => ({
        en: s === null ? "none got in" : `each at its SYN retransmission ${s} s after its first SYN`,
        zh: s === null ? "没有客户端进入" : `各自在第一个 SYN 之后 ${s} 秒的 SYN 重传时进入`,
      }),
    },
    timedOut: {
      readings: [
        { evidence: "connect()", value: r.failures.filter((f) => f === "ETIMEDOUT").length },
        { evidence: "tcp_info", value: w.filter((i) => !["ESTAB", "SYN-SENT"].includes(r.endStates[i]!)).length },
        ...fromPackets(r, (c) => ports.filter((p) => !synAcked(c, p, -Infinity, Infinity)).length),
      ],
      say: (n) => ({
        en: `${n} gave up first: connect() failed with ETIMEDOUT`,
        zh: `${n} 个先放弃了：connect() 以 ETIMEDOUT 失败`,
      }),
    },
  };
}

/** Every claim of a backlog run, judged against `predicted`. */
export function backlogClaims(r: BacklogRecords, predicted: BacklogFacts): Judgement<BacklogFacts> {
  return judge(predicted, {
    ...countSpecs(r),
    ...roundSpecs(r, predicted),
    ...joinSpecs(r, predicted),
    retransmissions: {
      readings: [
        { evidence: "tcp_info", value: retransmissionHistogram(r.totalRetrans) },
        ...fromPackets(r, (c) => retransmissionHistogram(r.ports.map((p) => Math.max(0, synsFrom(c, p).length - 1)))),
      ],
      say: (h) => ({ en: `SYN retransmissions per client: ${h}`, zh: `每个客户端的 SYN 重传次数：${h}` }),
    },
  });
}
