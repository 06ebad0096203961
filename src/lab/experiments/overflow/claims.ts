// `lab overflow`'s findings, each read from the case's records — the packets the delay line carried (with the accept
// queue probed around each delivery), the listener's sock_diag and tcp_info, the counters, the clients' calls — and
// held against the model's prediction and against each other. Pure: a test hands it records with a seeded lie.

import { answerTo, enteredQueue, overflowingPackets, probedQueueAt, serverSent, synsFrom } from "../../capture.js";
import type { Capture } from "../../capture.js";
import { judge, type ClaimSpecs, type Judgement } from "../../claims.js";
import { plural } from "../../view.js";
import type { LateSyn, OverflowFacts } from "./result.js";

/** What one case recorded, for its claims. */
export interface OverflowRecords {
  /** min(backlog, somaxconn): the accept queue is full above it. */
  max: number;
  /** The queued and burst clients' ports, in connect() order. */
  ports: number[];
  /** Of those, the ones whose connect() succeeded, and the ones reset at their first recv(). */
  connectedPorts: number[];
  resetPorts: number[];
  /** The counts once the burst had crossed: when, the queue by sock_diag and tcp_info, ListenOverflows. */
  observedAt: number;
  queueSockDiag: number;
  queueTcpInfo: number;
  overflowsCounted: number;
  /** The late client: its port, the queue sock_diag showed as its SYN was released, what that moved, its state. */
  late: { port: number; metSockDiag: number; overflowsDelta: number; stateAfter: string };
  drainAt: number;
  /** The peers' ports of the connections accept() returned after the drain began. */
  acceptedPorts: number[];
  capture: Capture;
}

const count = (ports: number[], keep: (port: number) => boolean) => ports.filter(keep).length;

/** The late SYN's fate as the packets show it: an answer before that client's next SYN, or none. */
function lateByPackets(r: OverflowRecords): LateSyn {
  const first = synsFrom(r.capture, r.late.port)[0];
  if (first === undefined) return "answered"; // it never crossed: not a drop the line saw
  return answerTo(r.capture, first) === undefined ? "dropped" : "answered";
}

/** The connections that entered the accept queue after the drain began, as the probed packets show them. */
function enteredAfter(r: OverflowRecords): number {
  return new Set(
    r.capture.packets.filter((p) => enteredQueue(p) && (p.deliveredAt ?? 0) >= r.drainAt).map((p) => p.srcPort),
  ).size;
}

type Specs<K extends keyof OverflowFacts> = Pick<ClaimSpecs<OverflowFacts>, K>;

/** The specs of the burst: who connected, who was reset, the queue and the counter once it had crossed. */
function burstSpecs(r: OverflowRecords): Specs<"connected" | "reset" | "acceptQueue" | "listenOverflows"> {
  const c = r.capture;
  return {
    connected: {
      readings: [
        { evidence: "connect()", value: r.connectedPorts.length },
        { evidence: "packets", value: count(r.ports, (p) => serverSent(c, p, "SYN-ACK")) },
      ],
      say: (n) => ({ en: `${plural(n, "connect() call")} succeeded`, zh: `${n} 次 connect() 成功` }),
    },
    reset: {
      readings: [
        { evidence: "recv()", value: r.resetPorts.length },
        { evidence: "packets", value: count(r.ports, (p) => serverSent(c, p, "RST", r.observedAt)) },
      ],
      say: (n) => ({ en: `${n} of them reset at the first recv()`, zh: `其中 ${n} 个在第一次 recv() 时被重置` }),
    },
    acceptQueue: {
      readings: [
        { evidence: "sock_diag", value: r.queueSockDiag },
        { evidence: "tcp_info", value: r.queueTcpInfo },
        { evidence: "packets", value: queuedAt(r) },
      ],
      say: (n) => ({
        en: `the accept queue held ${n} before any accept()`,
        zh: `accept() 之前 accept 队列中有 ${n} 个`,
      }),
    },
    listenOverflows: {
      readings: [
        { evidence: "counters", value: r.overflowsCounted },
        { evidence: "packets", value: overflowingPackets(c, r.max, r.observedAt).length },
      ],
      say: (n) => ({
        en: `ListenOverflows +${n}: ACKs that found the queue full`,
        zh: `ListenOverflows +${n}：遇到满队列的 ACK`,
      }),
    },
  };
}

/** The specs of the late SYN: the queue it met, and what became of it. */
function lateSpecs(r: OverflowRecords): Specs<"lateSynMet" | "lateSyn"> {
  const c = r.capture;
  return {
    lateSynMet: {
      readings: [
        { evidence: "packets", value: synsFrom(c, r.late.port)[0]?.acceptQueue?.before ?? -1 },
        { evidence: "sock_diag", value: r.late.metSockDiag },
      ],
      say: (n) => ({
        en: `one more SYN met an accept queue of ${n} (full above ${r.max})`,
        zh: `又一个 SYN 到达时 accept 队列中有 ${n} 个（超过 ${r.max} 即为满）`,
      }),
    },
    lateSyn: {
      readings: [
        { evidence: "packets", value: lateByPackets(r) },
        { evidence: "counters", value: r.late.overflowsDelta > 0 ? "dropped" : "answered" },
        { evidence: "tcp_info", value: r.late.stateAfter === "SYN-SENT" ? "dropped" : "answered" },
      ],
      say: lateSynText,
    },
  };
}

/** The specs of the drain: what accept() returned, and who was never accepted. */
function drainSpecs(r: OverflowRecords): Specs<"acceptedAfterDrain" | "neverAccepted"> {
  const c = r.capture;
  const accepted = new Set(r.acceptedPorts);
  return {
    acceptedAfterDrain: {
      readings: [
        { evidence: "accept()", value: r.acceptedPorts.length },
        { evidence: "packets", value: queuedAt(r) + enteredAfter(r) },
      ],
      say: (n) => ({
        en: `after the drain began, accept() returned ${n}, the late client's included`,
        zh: `开始清空队列后 accept() 返回了 ${n} 个，包括后来的那个客户端`,
      }),
    },
    neverAccepted: {
      readings: [
        { evidence: "accept()", value: count(r.connectedPorts, (p) => !r.resetPorts.includes(p) && !accepted.has(p)) },
        {
          evidence: "packets",
          value: count(r.ports, (p) => serverSent(c, p, "SYN-ACK") && !serverSent(c, p, "RST") && !entered(c, p)),
        },
      ],
      say: (n) => ({
        en:
          n === 1
            ? "1 client believes it is connected but was never accepted: no state on the server"
            : `${n} clients believe they are connected but were never accepted: no state on the server`,
        zh: `${n} 个以为已连接，却从未被 accept：服务端没有它们的状态`,
      }),
    },
  };
}

/** The accept queue the probed packets show at the counts (sock_diag's where none was probed). */
function queuedAt(r: OverflowRecords): number {
  return probedQueueAt(r.capture, r.observedAt) ?? r.queueSockDiag;
}

/** Every claim of one case, judged against `predicted`. */
export function overflowClaims(r: OverflowRecords, predicted: OverflowFacts): Judgement<OverflowFacts> {
  return judge(predicted, { ...burstSpecs(r), ...lateSpecs(r), ...drainSpecs(r) });
}

/** Whether any packet of client `port` entered the accept queue. */
function entered(c: Capture, port: number): boolean {
  return c.packets.some((p) => p.srcPort === port && enteredQueue(p));
}

/** The late SYN's sentence, for what the first record read. */
function lateSynText(fate: LateSyn) {
  if (fate === "dropped") {
    return {
      en: "that SYN was dropped silently: no SYN-ACK, no RST; the client retransmits it",
      zh: "这个 SYN 被静默丢弃：没有 SYN-ACK，也没有 RST；客户端会重传",
    };
  }
  return {
    en: "that SYN was answered: a SYN-ACK or an RST came back",
    zh: "这个 SYN 得到了回应：收到了 SYN-ACK 或 RST",
  };
}
