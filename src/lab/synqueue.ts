// `socketkit lab synqueue`: half-open connections held in SYN-RECV, and what bounds their number. A delay line
// holds every client's final ACK, so a burst of SYNs leaves requests waiting in the listener's SYN queue; the
// experiment runs with tcp_syncookies 0, 1 and 2 and a small tcp_max_syn_backlog, in private namespaces (root).
//   - syncookies 0: the SYN queue stops below the backlog, at the last quarter of tcp_max_syn_backlog; the rest of
//     the SYNs are dropped (ListenDrops).
//   - syncookies 1: min(backlog, somaxconn) + 1 requests wait; every further SYN is answered with a syncookie.
//   - syncookies 2: no request is kept at all; every SYN gets a cookie.

import { counterDeltas, readCounters } from "../kernel/counters.js";
import { listenerQueues, querySockets } from "../kernel/sock-diag.js";
import { Socket } from "../socket/socket.js";
import { simulate } from "../sim/listen-path.js";
import { DelayLine, SERVER_ADDRESS, type LoggedPacket } from "./delay-line.js";
import { compare, type Verdict } from "./result.js";

export interface SynQueueOptions {
  backlog?: number;
  clients?: number;
  maxSynBacklog?: number;
  /** How long each client's final ACK is held, ms. */
  holdMs?: number;
}

interface Counts extends Record<string, number> {
  synRecv: number;
  cookiesSent: number;
  reqQFullDoCookies: number;
  listenDrops: number;
}

export interface SynQueueCase {
  syncookies: 0 | 1 | 2;
  measured: Counts;
  predicted: Counts;
  packets: LoggedPacket[];
  verdict: Verdict;
}

export interface SynQueueResult {
  experiment: "synqueue";
  backlog: number;
  clients: number;
  maxSynBacklog: number;
  holdMs: number;
  cases: SynQueueCase[];
  verdict: Verdict;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runCase(syncookies: 0 | 1 | 2, o: Required<SynQueueOptions>): Promise<SynQueueCase> {
  // Only the client's bare final ACK is held; everything else crosses at once.
  const line = DelayLine.create(
    (p) => (p.from === "client" && p.ack && !p.syn && !p.fin && !p.rst && p.payload === 0 ? o.holdMs : 0),
    { "net.ipv4.tcp_syncookies": syncookies, "net.ipv4.tcp_max_syn_backlog": o.maxSynBacklog },
  );
  const sockets: Socket[] = [];
  try {
    const server = line.inServer(() => new Socket());
    sockets.push(server);
    server.bind([SERVER_ADDRESS, 0]);
    server.listen(o.backlog);
    const port = server.getsockname()[1] as number;
    const before = line.inServer(() => readCounters());
    const clients = Array.from({ length: o.clients }, () => line.inClient(() => new Socket()));
    sockets.push(...clients);
    for (const c of clients) void c.connect([SERVER_ADDRESS, port]).catch(() => undefined);
    await sleep(o.holdMs / 2);
    const synRecv = line.inServer(() => listenerQueues(querySockets(), port)[0]?.synRecv ?? 0);
    const d = line.inServer(() => counterDeltas(before, readCounters()));
    const measured: Counts = {
      synRecv,
      cookiesSent: d["TcpExt.SyncookiesSent"] ?? 0,
      reqQFullDoCookies: d["TcpExt.TCPReqQFullDoCookies"] ?? 0,
      listenDrops: d["TcpExt.ListenDrops"] ?? 0,
    };
    const model = simulate({
      backlog: o.backlog,
      clients: o.clients,
      connectIntervalMs: 0.05,
      rttMs: 0.2,
      ackDelayMs: o.holdMs,
      tcpSyncookies: syncookies,
      tcpMaxSynBacklog: o.maxSynBacklog,
      observeAtMs: o.holdMs / 2,
      durationMs: o.holdMs,
    });
    const predicted: Counts = {
      synRecv: model.observation.synQueue,
      cookiesSent: model.observation.counters.SyncookiesSent,
      reqQFullDoCookies: model.observation.counters.TCPReqQFullDoCookies,
      listenDrops: model.observation.counters.ListenDrops,
    };
    return { syncookies, measured, predicted, packets: line.log.slice(), verdict: compare(measured, predicted) };
  } finally {
    for (const s of sockets) s.close();
    line.close();
  }
}

export async function runSynQueue(options: SynQueueOptions = {}): Promise<SynQueueResult> {
  const o: Required<SynQueueOptions> = {
    backlog: options.backlog ?? 8,
    clients: options.clients ?? 16,
    maxSynBacklog: options.maxSynBacklog ?? 8,
    holdMs: options.holdMs ?? 400,
  };
  const cases: SynQueueCase[] = [];
  for (const syncookies of [0, 1, 2] as const) cases.push(await runCase(syncookies, o));
  const differences = cases.flatMap((c) => c.verdict.differences.map((d) => `tcp_syncookies=${c.syncookies}: ${d}`));
  return { experiment: "synqueue", ...o, cases, verdict: { agree: differences.length === 0, differences } };
}
