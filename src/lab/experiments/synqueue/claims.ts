// `lab synqueue`'s findings, each read from the case's records — the listener's sock_diag and the queue samples, the
// counters, the packets the delay line carried — and held against the model and against each other. Pure.

import { unansweredSyns, type Capture } from "../../capture.js";
import { judge, type Judgement } from "../../claims.js";
import { sampleAt, type QueueSample } from "../../queue-sampler.js";
import type { SynQueueCounts } from "./result.js";

/** What one case recorded at the counts, for its claims; times are ms on the line's clock. */
export interface SynQueueRecords {
  port: number;
  observedAt: number;
  /** SYN-RECV requests of the listener by a sock_diag dump at the counts. */
  synRecvSockDiag: number;
  /** The counters moved since the case began, at the counts. */
  counters: { cookiesSent: number; reqQFullDoCookies: number; listenDrops: number };
  series: readonly QueueSample[];
  capture: Capture;
}

/** SYN-ACKs the listener sent before the counts: one per request it keeps and one per syncookie. */
function synAcks(r: SynQueueRecords): number {
  return r.capture.packets.filter((p) => p.from === "server" && p.kind === "SYN-ACK" && p.t <= r.observedAt).length;
}

/** Every claim of one case, judged against `predicted`. */
export function synQueueClaims(r: SynQueueRecords, predicted: SynQueueCounts): Judgement<SynQueueCounts> {
  // SYN-ACKs on the line less the requests sock_diag lists: the ones sent for a syncookie, with no state kept.
  const cookiesOnLine = synAcks(r) - r.synRecvSockDiag;
  return judge(predicted, {
    synRecv: {
      readings: [
        { evidence: "sock_diag", value: r.synRecvSockDiag },
        { evidence: "queue samples", value: sampleAt(r.series, r.observedAt)?.synRecv ?? -1 },
      ],
      say: (n) => ({ en: `${n} requests waited in SYN-RECV`, zh: `${n} 个请求在 SYN-RECV 中等待` }),
    },
    cookiesSent: {
      readings: [
        { evidence: "counters", value: r.counters.cookiesSent },
        { evidence: "packets", value: cookiesOnLine },
      ],
      say: (n) => ({ en: `${n} SYNs were answered with a syncookie`, zh: `${n} 个 SYN 以 syncookie 应答` }),
    },
    reqQFullDoCookies: {
      readings: [
        { evidence: "counters", value: r.counters.reqQFullDoCookies },
        { evidence: "packets", value: cookiesOnLine },
      ],
      say: (n) => ({
        en: `TCPReqQFullDoCookies +${n}: cookies instead of requests`,
        zh: `TCPReqQFullDoCookies +${n}：以 cookie 代替请求`,
      }),
    },
    listenDrops: {
      readings: [
        { evidence: "counters", value: r.counters.listenDrops },
        { evidence: "packets", value: unansweredSyns(r.capture).filter((p) => p.t <= r.observedAt).length },
      ],
      say: (n) => ({
        en: `${n} SYNs were dropped, unanswered (ListenDrops)`,
        zh: `${n} 个 SYN 被丢弃，没有应答（ListenDrops）`,
      }),
    },
  });
}
