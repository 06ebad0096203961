// `lab handshake`'s findings, each read from the run's records — the listener's sock_diag and tcp_info at each step,
// when connect() returned and accept() was called, and (as root) the packets with the queue probed around each —
// and held against the model and against each other. Pure.

import type { Capture } from "../../capture.js";
import { judge, type Judgement } from "../../claims.js";
import type { HandshakeFacts } from "./result.js";

/** The queue at one step, two ways. */
export interface QueueReading {
  sockDiag: number;
  tcpInfo: number;
}

/** What a handshake run recorded, for its claims; times are ms on the run's clock. */
export interface HandshakeRecords {
  port: number;
  connectReturnedAt: number;
  acceptCalledAt: number;
  before: QueueReading;
  afterConnect: QueueReading;
  afterAccept: QueueReading;
  capture: Capture | null;
}

/** Every claim of the run, judged against `predicted`. */
export function handshakeClaims(r: HandshakeRecords, predicted: HandshakeFacts): Judgement<HandshakeFacts> {
  const c = r.capture;
  const ack = c?.packets.find((p) => p.from === "client" && p.kind === "ACK" && p.srcPort === r.port);
  const packets = <V extends number | string>(value: V) => (c ? [{ evidence: "packets" as const, value }] : []);
  const queue = (q: QueueReading) => [
    { evidence: "sock_diag" as const, value: q.sockDiag },
    { evidence: "tcp_info" as const, value: q.tcpInfo },
  ];
  return judge(predicted, {
    connectBeforeAccept: {
      readings: [
        { evidence: "connect()", value: r.connectReturnedAt < r.acceptCalledAt ? "yes" : "no" },
        ...packets((ack?.deliveredAt ?? Infinity) < r.acceptCalledAt ? "yes" : "no"),
      ],
      say: (v) =>
        v === "yes"
          ? {
              en: "connect() returned before the server called accept()",
              zh: "connect() 在服务端调用 accept() 之前就返回了",
            }
          : { en: "connect() did not return before accept() was called", zh: "connect() 没有在 accept() 调用之前返回" },
    },
    queueBeforeConnect: {
      readings: queue(r.before),
      say: (n) => ({ en: `the accept queue held ${n} before connect()`, zh: `connect() 之前 accept 队列中有 ${n} 个` }),
    },
    queueAfterConnect: {
      readings: [...queue(r.afterConnect), ...packets(ack?.acceptQueue?.after ?? -1)],
      say: (n) => ({
        en: `${n} once the final ACK had arrived: the kernel queued the connection by itself`,
        zh: `最后的 ACK 到达后为 ${n}：内核自己把连接放进了队列`,
      }),
    },
    queueAfterAccept: {
      readings: queue(r.afterAccept),
      say: (n) => ({ en: `${n} after accept() took it out`, zh: `accept() 取出后为 ${n}` }),
    },
  });
}
