// The experiments' claims from records with a seeded contradiction: an injected packet (a SYN-ACK answering the SYN
// that met the full queue), a tcp_info that misreports when SYNs were retransmitted. What one record supports and
// another contradicts is reported as a disagreement, whatever the model says.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Capture } from "../../../src/lab/capture.js";
import { backlogClaims, type BacklogRecords } from "../../../src/lab/experiments/backlog/claims.js";
import type { BacklogFacts } from "../../../src/lab/experiments/backlog/result.js";
import { overflowClaims, type OverflowRecords } from "../../../src/lab/experiments/overflow/claims.js";
import type { OverflowFacts } from "../../../src/lab/experiments/overflow/result.js";
import { packetKind, type LoggedPacket, type Packet } from "../../../src/lab/packet.js";

const SERVER = 5000;

/** A logged packet: `kind` between the client on `port` and the listener, at `t` ms, with the queue around it. */
function packet(t: number, from: Packet["from"], port: number, flags: string, queue?: [number, number]): LoggedPacket {
  const p: Packet = {
    from,
    syn: flags.includes("S"),
    ack: flags.includes("A"),
    fin: false,
    rst: flags.includes("R"),
    payload: 0,
    srcPort: from === "client" ? port : SERVER,
    dstPort: from === "client" ? SERVER : port,
  };
  const logged: LoggedPacket = { ...p, t, delayMs: 0, kind: packetKind(p), deliveredAt: t };
  return queue ? { ...logged, acceptQueue: { before: queue[0], after: queue[1] } } : logged;
}

const capture = (packets: LoggedPacket[]): Capture => ({ packets, frames: [] });

/** The late client's part of an overflow run: its SYN met a full queue (3 > 2) and was dropped; it retried 1 s on. */
function lateRecords(extra: LoggedPacket[] = []): OverflowRecords {
  const packets = [packet(500, "client", 7, "S", [3, 3]), ...extra, packet(1500, "client", 7, "S", [0, 0])];
  return {
    max: 2,
    ports: [],
    connectedPorts: [],
    resetPorts: [],
    observedAt: 400,
    queueSockDiag: 3,
    queueTcpInfo: 3,
    overflowsCounted: 0,
    late: { port: 7, metSockDiag: 3, overflowsDelta: 1, stateAfter: "SYN-SENT" },
    drainAt: 600,
    acceptedPorts: [1, 2, 3],
    capture: capture(packets.sort((a, b) => a.t - b.t)),
  };
}

const predicted: OverflowFacts = {
  connected: 0,
  reset: 0,
  acceptQueue: 3,
  listenOverflows: 0,
  lateSynMet: 3,
  lateSyn: "dropped",
  acceptedAfterDrain: 3,
  neverAccepted: 0,
};

test("overflow: the SYN at the full queue reads dropped by packets, counters and tcp_info, as the model says", () => {
  const j = overflowClaims(lateRecords(), predicted);
  const late = j.claims.find((c) => c.key === "lateSyn")!;
  assert.equal(late.agree, true, late.differences.join("; "));
  assert.equal(late.text.en, "that SYN was dropped silently: no SYN-ACK, no RST; the client retransmits it");
  assert.equal(j.claims.find((c) => c.key === "lateSynMet")!.agree, true);
  assert.deepEqual(j.verdict, { agree: true, differences: [] });
});

test("overflow: a SYN-ACK injected in answer to that SYN is a disagreement, though the count and the model agree", () => {
  const j = overflowClaims(lateRecords([packet(550, "server", 7, "SA")]), predicted);
  const late = j.claims.find((c) => c.key === "lateSyn")!;
  assert.equal(late.agree, false);
  assert.equal(
    late.text.en,
    "that SYN was answered: a SYN-ACK or an RST came back",
    "the sentence follows the packets",
  );
  assert.deepEqual(late.differences, [
    "packets read answered but counters read dropped",
    "packets read answered but tcp_info read dropped",
    "measured answered, the model predicts dropped",
  ]);
  assert.equal(j.verdict.agree, false);
});

/** A backlog run of one waiting client (port 2) beside one that connected (port 1), drained at 12 s. */
function backlogRecords(retransAt: number[]): BacklogRecords {
  const syns = [0, 1000, 2000, 3000, 4000, 5000, 7000, 11000].map((t) => packet(t + 10, "client", 2, "S", [1, 1]));
  const packets = [
    packet(1, "client", 1, "S", [0, 0]),
    packet(2, "server", 1, "SA"),
    packet(3, "client", 1, "A", [0, 1]),
    ...syns,
    packet(19010, "client", 2, "S", [0, 0]),
    packet(19011, "server", 2, "SA"),
    packet(19012, "client", 2, "A", [0, 1]),
  ];
  return {
    max: 0,
    ports: [1, 2],
    calledAt: [0, 10],
    connectedAt: [3, 19012],
    failures: ["", ""],
    observedAt: 12000,
    drainAt: 12001,
    states: ["ESTAB", "SYN-SENT"],
    endStates: ["ESTAB", "ESTAB"],
    totalRetrans: [0, 8],
    retransAt: [[], retransAt],
    queueSockDiag: 1,
    queueTcpInfo: 1,
    establishedSockDiag: 1,
    overflowsCounted: 8,
    series: [],
    midpoints: [510, 1510, 2510, 3510, 4510, 6010, 9010, 11505],
    capture: capture(packets),
  };
}

const schedule: BacklogFacts = {
  established: 1,
  synSent: 1,
  listenOverflows: 8,
  overflowsByRound: [1, 2, 3, 4, 5, 6, 7, 8],
  synRetransmitsAtS: [1, 2, 3, 4, 5, 7, 11],
  joined: 1,
  joinedAtS: 19,
  timedOut: 0,
  retransmissions: "0 ×1, 8 ×1",
};

test("backlog: the retransmissions read the same from the packets and tcp_info, on the kernel's linear schedule", () => {
  const j = backlogClaims(backlogRecords([1010, 2010, 3010, 4010, 5010, 7010, 11010]), schedule);
  const claim = j.claims.find((c) => c.key === "synRetransmitsAtS")!;
  assert.deepEqual(claim.readings, [
    { evidence: "packets", value: [1, 2, 3, 4, 5, 7, 11] },
    { evidence: "tcp_info", value: [1, 2, 3, 4, 5, 7, 11] },
  ]);
  assert.equal(claim.agree, true);
  assert.ok(j.claims.find((c) => c.key === "joinedAtS")!.agree);
});

test("backlog: a tcp_info that misreports the schedule (a shifted clock) disagrees with the packets", () => {
  const shifted = [2010, 4010, 6010, 8010, 10010, 14010, 22010].filter((t) => t < 12001);
  const j = backlogClaims(backlogRecords(shifted), schedule);
  const claim = j.claims.find((c) => c.key === "synRetransmitsAtS")!;
  assert.equal(claim.agree, false);
  assert.match(claim.differences[0]!, /^packets read \[1, 2, 3, 4, 5, 7, 11\] but tcp_info read \[2, 4, 6, 8, 10\]$/);
  assert.equal(j.verdict.agree, false);
});
