// A deterministic discrete-event model of the Linux TCP listen path: clients' SYNs and their retransmissions, the
// listener's SYN (request) queue and accept queue, SYN-ACK retransmission, syncookies, the overflow rules, and the
// application's accept() schedule. Each rule names the kernel function it models (net/ipv4/tcp_input.c,
// tcp_minisocks.c, inet_connection_sock.c, tcp_timer.c as of Linux 6.x).

import { EventQueue } from "./event-queue.js";
import { kernelAtLeast, simParams, type SimParams } from "./params.js";
import { synackRtoMs, synGivesUp, synRtoMs } from "./timers.js";

export type ClientState = "SYN-SENT" | "ESTAB" | "FIN-WAIT-2" | "REFUSED" | "RESET" | "TIMED-OUT";
export type ServerState = "none" | "SYN-RECV" | "ESTAB" | "CLOSE-WAIT" | "accepted";

export interface TimelineEntry {
  t: number;
  event: string;
  client: ClientState;
  server: ServerState;
}

export interface SimConnection {
  id: number;
  client: ClientState;
  server: ServerState;
  synsSent: number;
  /** When connect() completed on the client (the SYN-ACK arrived), or null. */
  connectedAt: number | null;
  /** When the application's accept() returned it, or null. */
  acceptedAt: number | null;
  timeline: TimelineEntry[];
}

export type SimCounters = Record<
  "ListenOverflows" | "ListenDrops" | "TCPReqQFullDrop" | "TCPReqQFullDoCookies" | "SyncookiesSent" | "SyncookiesRecv",
  number
>;

export interface SimObservation {
  at: number;
  /** Clients whose connect() had completed. */
  established: number;
  /** Clients still waiting in SYN-SENT. */
  synSent: number;
  acceptQueue: number;
  synQueue: number;
  counters: SimCounters;
}

export interface SimResult {
  params: SimParams;
  /** min(backlog, somaxconn): the queue admits one more than this (sk_acceptq_is_full uses ">"). */
  acceptQueueMax: number;
  observation: SimObservation;
  connections: SimConnection[];
  counters: SimCounters;
  maxAcceptQueue: number;
  maxSynQueue: number;
  /** When ListenOverflows counted, ms: the counter as a time series. */
  listenOverflowsAt: number[];
}

interface RequestSock {
  timeouts: number;
  acked: boolean;
}

class ListenPathModel {
  readonly q = new EventQueue();
  readonly conns: SimConnection[] = [];
  readonly acceptQueue: number[] = [];
  readonly synQueue = new Map<number, RequestSock>();
  readonly cookieSent = new Set<number>();
  readonly counters: SimCounters = {
    ListenOverflows: 0,
    ListenDrops: 0,
    TCPReqQFullDrop: 0,
    TCPReqQFullDoCookies: 0,
    SyncookiesSent: 0,
    SyncookiesRecv: 0,
  };
  readonly maxAck: number;
  accepting = false;
  maxAcceptQueue = 0;
  maxSynQueue = 0;
  observation: SimObservation | null = null;
  readonly listenOverflowsAt: number[] = [];

  constructor(readonly p: SimParams) {
    // __sys_listen(): the backlog is capped at somaxconn; inet_csk_listen_start() stores it as sk_max_ack_backlog.
    this.maxAck = Math.min(p.backlog, p.somaxconn);
  }

  private get owd(): number {
    return this.p.rttMs / 2;
  }

  private note(c: SimConnection, event: string): void {
    c.timeline.push({ t: this.q.now, event, client: c.client, server: c.server });
  }

  /** sk_acceptq_is_full(): strictly more than the maximum, so the queue holds maximum + 1 connections. */
  private acceptQueueFull(): boolean {
    return this.acceptQueue.length > this.maxAck;
  }

  /**
   * inet_csk_reqsk_queue_is_full(): the SYN queue is bounded by the same maximum. Before 6.13 the test was
   * "qlen >= max" (a backlog of 0 sent every SYN to syncookies); from 6.13 it is "qlen > max".
   */
  private synQueueFull(): boolean {
    const qlen = this.synQueue.size;
    return kernelAtLeast(this.p.kernel, 6, 13) ? qlen > this.maxAck : qlen >= this.maxAck;
  }

  start(): SimResult {
    for (let i = 0; i < this.p.clients; i++) {
      const c: SimConnection = {
        id: i,
        client: "SYN-SENT",
        server: "none",
        synsSent: 0,
        connectedAt: null,
        acceptedAt: null,
        timeline: [],
      };
      this.conns.push(c);
      this.q.schedule(this.p.connectAtMs?.[i] ?? i * this.p.connectIntervalMs, () => this.clientConnect(c));
    }
    if (this.p.acceptFromMs !== null) this.q.schedule(this.p.acceptFromMs, () => this.startAccepting());
    this.q.schedule(this.p.observeAtMs, () => this.observe());
    this.q.runUntil(this.p.durationMs);
    if (this.observation === null) this.observe();
    return {
      params: this.p,
      acceptQueueMax: this.maxAck,
      observation: this.observation!,
      connections: this.conns,
      counters: { ...this.counters },
      maxAcceptQueue: this.maxAcceptQueue,
      maxSynQueue: this.maxSynQueue,
      listenOverflowsAt: this.listenOverflowsAt,
    };
  }

  private observe(): void {
    const completed = this.conns.filter((c) => c.connectedAt !== null && c.connectedAt <= this.q.now).length;
    this.observation = {
      at: this.q.now,
      established: completed,
      synSent: this.conns.filter((c) => c.client === "SYN-SENT").length,
      acceptQueue: this.acceptQueue.length,
      synQueue: this.synQueue.size,
      counters: { ...this.counters },
    };
  }

  // --- the client: tcp_v4_connect(), tcp_retransmit_timer(), tcp_rcv_synsent_state_process() ---------------------

  private clientConnect(c: SimConnection): void {
    this.note(c, "connect(): SYN sent");
    this.sendSyn(c, 0);
  }

  private sendSyn(c: SimConnection, retry: number): void {
    c.synsSent++;
    this.q.schedule(this.q.now + this.owd, () => this.serverSyn(c));
    this.q.schedule(this.q.now + synRtoMs(retry + 1, this.p.tcpSynLinearTimeouts), () => this.synTimer(c, retry + 1));
  }

  private synTimer(c: SimConnection, retry: number): void {
    if (c.client !== "SYN-SENT") return;
    const elapsed = this.q.now - (c.timeline[0]?.t ?? 0);
    if (synGivesUp(retry - 1, elapsed, this.p.tcpSynRetries, this.p.tcpSynLinearTimeouts)) {
      c.client = "TIMED-OUT";
      this.note(c, "connect() fails: ETIMEDOUT");
      return;
    }
    this.note(c, `SYN retransmitted (#${retry})`);
    this.sendSyn(c, retry);
  }

  private clientSynAck(c: SimConnection): void {
    if (c.client === "SYN-SENT") {
      c.client = "ESTAB";
      c.connectedAt = this.q.now;
      this.note(c, "SYN-ACK received: connect() returns, ACK sent");
    } else if (c.client !== "ESTAB") {
      return;
    }
    // A repeated SYN-ACK is answered with the ACK again (tcp_rcv_state_process on an established socket).
    this.q.schedule(this.q.now + this.owd + this.p.ackDelayMs, () => this.serverAck(c));
    if (this.p.clientsCloseEarly && c.client === "ESTAB") {
      c.client = "FIN-WAIT-2";
      this.note(c, "data sent, close(): FIN sent");
      this.q.schedule(this.q.now + this.owd + this.p.ackDelayMs, () => this.serverFin(c));
    }
  }

  private clientRst(c: SimConnection): void {
    c.client = c.client === "SYN-SENT" ? "REFUSED" : "RESET";
    this.note(c, "RST received");
  }

  // --- the listener: tcp_conn_request(), tcp_check_req(), tcp_v4_syn_recv_sock(), reqsk_timer_handler() ---------

  /** LINUX_MIB_LISTENOVERFLOWS, counted where the accept queue refused (tcp_conn_request, tcp_v4_syn_recv_sock). */
  private overflow(): void {
    this.counters.ListenOverflows++;
    this.listenOverflowsAt.push(this.q.now);
  }

  private drop(c: SimConnection, why: string): void {
    this.counters.ListenDrops++; // tcp_listendrop()
    this.note(c, why);
  }

  private serverSyn(c: SimConnection): void {
    if (c.server !== "none") {
      // tcp_check_req(): a retransmitted SYN for a pending request gets its SYN-ACK again.
      if (c.server === "SYN-RECV") this.sendSynAck(c);
      return;
    }
    let wantCookie = false;
    // tcp_conn_request(): a full SYN queue (or tcp_syncookies=2) sends a cookie, or drops without syncookies.
    if (this.p.tcpSyncookies === 2 || this.synQueueFull()) {
      if (this.p.tcpSyncookies === 0) {
        this.counters.TCPReqQFullDrop++;
        return this.drop(c, "SYN dropped: SYN queue full (TCPReqQFullDrop)");
      }
      this.counters.TCPReqQFullDoCookies++; // tcp_syn_flood_action()
      wantCookie = true;
    }
    // tcp_conn_request(): a SYN that finds the accept queue full is dropped silently, cookies or not.
    if (this.acceptQueueFull()) {
      this.overflow();
      return this.drop(c, "SYN dropped: accept queue full (ListenOverflows)");
    }
    // Without syncookies the last quarter of tcp_max_syn_backlog is kept for peers already proven.
    if (
      !wantCookie &&
      this.p.tcpSyncookies === 0 &&
      this.p.tcpMaxSynBacklog - this.synQueue.size < this.p.tcpMaxSynBacklog >> 2
    ) {
      return this.drop(c, "SYN dropped: tcp_max_syn_backlog nearly reached");
    }
    if (wantCookie) {
      this.counters.SyncookiesSent++;
      this.cookieSent.add(c.id);
      this.note(c, "SYN-ACK with syncookie sent (no state kept)");
      this.q.schedule(this.q.now + this.owd, () => this.clientSynAck(c));
      return;
    }
    this.synQueue.set(c.id, { timeouts: 0, acked: false });
    this.maxSynQueue = Math.max(this.maxSynQueue, this.synQueue.size);
    c.server = "SYN-RECV";
    this.note(c, "SYN received: request in SYN queue, SYN-ACK sent");
    this.q.schedule(this.q.now + this.owd, () => this.clientSynAck(c));
    this.q.schedule(this.q.now + synackRtoMs(0), () => this.synackTimer(c));
  }

  private sendSynAck(c: SimConnection): void {
    this.note(c, "SYN-ACK sent again");
    this.q.schedule(this.q.now + this.owd, () => this.clientSynAck(c));
  }

  private serverAck(c: SimConnection): void {
    const req = this.synQueue.get(c.id);
    const cookie = req === undefined && c.server === "none" && this.cookieSent.has(c.id);
    if (req === undefined && !cookie) return;
    if (cookie) this.counters.SyncookiesRecv++; // cookie_v4_check()
    // tcp_v4_syn_recv_sock(): the child cannot be made while the accept queue is full.
    if (this.acceptQueueFull()) {
      this.overflow();
      if (cookie) {
        // tcp_v4_cookie_check() finds no child and the ACK is discarded: no RST even with tcp_abort_on_overflow,
        // and no SYN-ACK will come again. The client believes it is connected; the server has no trace of it.
        return this.drop(c, "cookie ACK dropped: accept queue full; no state remains on the server");
      }
      if (this.p.tcpAbortOnOverflow === 1) {
        // tcp_check_req(), listen_overflow: with tcp_abort_on_overflow the client is reset.
        this.synQueue.delete(c.id);
        this.cookieSent.delete(c.id);
        c.server = "none";
        this.drop(c, "ACK finds the accept queue full: RST sent (tcp_abort_on_overflow=1)");
        this.q.schedule(this.q.now + this.owd, () => this.clientRst(c));
      } else {
        if (req) req.acked = true;
        this.drop(c, "ACK dropped: accept queue full (ListenOverflows); the client believes it is connected");
      }
      return;
    }
    this.synQueue.delete(c.id);
    this.cookieSent.delete(c.id);
    c.server = "ESTAB";
    this.acceptQueue.push(c.id);
    this.maxAcceptQueue = Math.max(this.maxAcceptQueue, this.acceptQueue.length);
    this.note(c, "ACK received: connection in the accept queue");
    if (this.accepting) this.q.schedule(this.q.now, () => this.drainAcceptQueue());
  }

  private serverFin(c: SimConnection): void {
    if (c.server === "ESTAB") {
      c.server = "CLOSE-WAIT";
      this.note(c, "FIN received while queued: CLOSE-WAIT, still in the accept queue");
    }
  }

  private synackTimer(c: SimConnection): void {
    const req = this.synQueue.get(c.id);
    if (req === undefined) return;
    // reqsk_timer_handler() / syn_ack_recalc(): resend until tcp_synack_retries, then forget the request.
    if (req.timeouts >= this.p.tcpSynackRetries) {
      this.synQueue.delete(c.id);
      c.server = "none";
      this.note(c, "request expired after tcp_synack_retries");
      return;
    }
    req.timeouts++;
    this.sendSynAck(c);
    this.q.schedule(this.q.now + synackRtoMs(req.timeouts), () => this.synackTimer(c));
  }

  // --- the application ------------------------------------------------------------------------------------------

  private startAccepting(): void {
    this.accepting = true;
    this.drainAcceptQueue();
  }

  private drainAcceptQueue(): void {
    for (let id = this.acceptQueue.shift(); id !== undefined; id = this.acceptQueue.shift()) {
      const c = this.conns[id]!;
      c.acceptedAt = this.q.now;
      c.server = "accepted";
      this.note(c, "accept() returns it");
    }
  }
}

/** Runs the model for `params` (defaults filled in) and returns every connection's timeline and the counters. */
export function simulate(params: Partial<SimParams> = {}): SimResult {
  return new ListenPathModel(simParams(params)).start();
}
