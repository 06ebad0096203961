// `lab early-close`'s findings, each read from the run's records — sock_diag's states and queue, the listener's
// tcp_info, what accept() and recv() returned, and (as root) the packets — and held against the model and against
// each other. Pure.

import type { Capture } from "../../capture.js";
import { judge, type Judgement } from "../../claims.js";
import type { EarlyCloseFacts } from "./result.js";

/** What an early-close run recorded, for its claims. */
export interface EarlyCloseRecords {
  clientPort: number;
  message: string;
  serverState: string;
  clientState: string;
  queuedSockDiag: number;
  queuedTcpInfo: number;
  /** The peer's port of what accept() returned; what recv() gave, and whether the next recv() read EOF. */
  acceptedPeerPort: number;
  received: string;
  eof: boolean;
  capture: Capture | null;
}

/** What the packets show of the client's connection: its FIN arrived, was acknowledged, and how many bytes came. */
function onTheWire(r: EarlyCloseRecords) {
  const c = r.capture;
  const mine = c?.packets.filter((p) => (p.from === "client" ? p.srcPort : p.dstPort) === r.clientPort) ?? [];
  const fin = mine.find((p) => p.from === "client" && p.fin && p.deliveredAt !== undefined);
  const finIn = fin !== undefined;
  const finAcked =
    fin !== undefined && mine.some((p) => p.from === "server" && p.kind === "ACK" && p.t >= fin.deliveredAt!);
  const dataIn = mine.filter((p) => p.from === "client").reduce((n, p) => n + p.payload, 0);
  return { finIn, finAcked, dataIn };
}

/** Every claim of the run, judged against `predicted`. */
export function earlyCloseClaims(r: EarlyCloseRecords, predicted: EarlyCloseFacts): Judgement<EarlyCloseFacts> {
  const { finIn, finAcked, dataIn } = onTheWire(r);
  const packets = <V extends string>(value: V) => (r.capture ? [{ evidence: "packets" as const, value }] : []);
  return judge(predicted, {
    serverState: {
      readings: [{ evidence: "sock_diag", value: r.serverState }, ...packets(finIn ? "CLOSE-WAIT" : "ESTAB")],
      say: (st) => ({
        en: `the server's side sat in ${st} in the accept queue`,
        zh: `服务端一侧在 accept 队列中处于 ${st}`,
      }),
    },
    clientState: {
      readings: [{ evidence: "sock_diag", value: r.clientState }, ...packets(finAcked ? "FIN-WAIT-2" : "FIN-WAIT-1")],
      say: (st) => ({ en: `the client's side was in ${st}`, zh: `客户端一侧处于 ${st}` }),
    },
    queuedAfterHold: {
      readings: [
        { evidence: "sock_diag", value: r.queuedSockDiag },
        { evidence: "tcp_info", value: r.queuedTcpInfo },
      ],
      say: (n) => ({
        en: `after the hold the accept queue still held ${n}: no timeout removed it`,
        zh: `等待之后 accept 队列中仍有 ${n} 个：没有超时把它移除`,
      }),
    },
    acceptReturnsIt: {
      readings: [{ evidence: "accept()", value: r.acceptedPeerPort === r.clientPort ? "yes" : "no" }],
      say: (v) =>
        v === "yes"
          ? { en: "accept() still returned it", zh: "accept() 仍然返回了它" }
          : { en: "accept() did not return it", zh: "accept() 没有返回它" },
    },
    bytesThenEof: {
      readings: [
        { evidence: "recv()", value: r.received === r.message && r.eof ? "yes" : "no" },
        ...packets(dataIn === Buffer.byteLength(r.message) && finIn ? "yes" : "no"),
      ],
      say: (v) =>
        v === "yes"
          ? {
              en: `recv() gave ${JSON.stringify(r.message)}, then EOF`,
              zh: `recv() 读到 ${JSON.stringify(r.message)}，然后是 EOF`,
            }
          : {
              en: `recv() gave ${JSON.stringify(r.received)}${r.eof ? ", then EOF" : ""}`,
              zh: `recv() 读到 ${JSON.stringify(r.received)}${r.eof ? "，然后是 EOF" : ""}`,
            },
    },
  });
}
