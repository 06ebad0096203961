// The listen-path model: its rules on named scenarios, and its invariants under random settings (fast-check).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { EventQueue } from "../../src/sim/event-queue.js";
import { simulate } from "../../src/sim/listen-path.js";
import { simParams } from "../../src/sim/params.js";
import { synSchedule } from "../../src/sim/timers.js";

test("listen(N) admits min(N, somaxconn) + 1 connections with no accept(); the rest wait in SYN-SENT", () => {
  for (const [backlog, somaxconn] of [
    [0, 4096],
    [1, 4096],
    [5, 4096],
    [128, 4096],
    [128, 16],
  ] as const) {
    const r = simulate({ backlog, somaxconn, clients: Math.min(backlog, somaxconn) + 5 });
    const max = Math.min(backlog, somaxconn);
    assert.equal(r.observation.established, max + 1, `backlog ${backlog}, somaxconn ${somaxconn}`);
    assert.equal(r.observation.synSent, 4);
    assert.equal(r.observation.counters.ListenOverflows, 4, "one per dropped SYN before any retransmission");
  }
});

test("SYN retransmissions keep a 1 s RTO for tcp_syn_linear_timeouts tries, then double; the client gives up", () => {
  // tcp_syn_retries + tcp_syn_linear_timeouts retransmissions: 10 with the defaults, ETIMEDOUT at 131 s.
  const seconds = (s: { sends: number[]; giveUpAt: number }) => [s.sends.map((t) => t / 1000), s.giveUpAt / 1000];
  assert.deepEqual(seconds(synSchedule(6, 4)), [[0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67], 131]);
  assert.deepEqual(seconds(synSchedule(6, 0)), [[0, 1, 3, 7, 15, 31, 63], 127], "before 6.5: tcp_syn_retries alone");
  // A small tcp_syn_retries ends at the exponential schedule's time first (tcp_model_timeout): 3 s, 7 s, 19 s,
  // as measured in a private namespace (docs/en/listen-backlog.md).
  assert.deepEqual(seconds(synSchedule(1, 4)), [[0, 1, 2], 3]);
  assert.deepEqual(seconds(synSchedule(2, 4)), [[0, 1, 2, 3, 4, 5], 7]);
  assert.deepEqual(seconds(synSchedule(3, 4)), [[0, 1, 2, 3, 4, 5, 7, 11], 19]);
  // A SYN that is never answered gives up after the full schedule (about two minutes without linear timeouts).
  const r = simulate({ backlog: 0, clients: 2, tcpSynLinearTimeouts: 0, durationMs: 200_000 });
  const loser = r.connections.find((c) => c.client === "TIMED-OUT")!;
  assert.equal(loser.synsSent, 7);
  assert.equal(loser.timeline.at(-1)!.t, 127000 + loser.timeline[0]!.t);
});

test("draining the queue lets each waiting client in at its next SYN retransmission", () => {
  const r = simulate({ backlog: 5, clients: 10, acceptFromMs: 300 });
  const late = r.connections.filter((c) => c.connectedAt! > 300);
  assert.equal(late.length, 4);
  for (const c of late) assert.ok(Math.abs(c.connectedAt! - 1000) < 5, `got in at ${c.connectedAt}`);
  assert.equal(r.connections.filter((c) => c.acceptedAt !== null).length, 10);
});

test("a connection closed by its client before accept() stays queued in CLOSE-WAIT and is still accepted", () => {
  const r = simulate({ backlog: 5, clients: 1, clientsCloseEarly: true, acceptFromMs: 60_000, durationMs: 61_000 });
  const c = r.connections[0]!;
  const beforeAccept = c.timeline.filter((e) => e.t < 60_000).at(-1)!;
  assert.equal(beforeAccept.server, "CLOSE-WAIT");
  assert.equal(beforeAccept.client, "FIN-WAIT-2");
  assert.equal(c.acceptedAt, 60_000, "no timeout removed it from the accept queue");
});

test("the accept queue filling between SYN-ACK and ACK: dropped ACKs with abort_on_overflow 0, resets with 1", () => {
  // Two connections already queued, then a burst of four over a 100 ms round trip: three SYNs become requests,
  // the fourth (SYN queue full) a syncookie; one final ACK fits.
  const staged = { backlog: 2, clients: 6, rttMs: 100, connectAtMs: [0, 150, 300, 300, 300, 300], observeAtMs: 600 };
  const keep = simulate({ ...staged, tcpAbortOnOverflow: 0, acceptFromMs: 700, durationMs: 3000 });
  assert.equal(keep.connections.filter((c) => c.connectedAt !== null).length, 6, "every connect() succeeds");
  assert.equal(keep.observation.acceptQueue, 3);
  assert.equal(keep.observation.counters.ListenOverflows, 3);
  // The two requests get their SYN-ACK again and get in after the drain; the cookie client never does.
  assert.equal(keep.connections.filter((c) => c.acceptedAt !== null).length, 5);
  const reset = simulate({ ...staged, tcpAbortOnOverflow: 1 });
  assert.equal(reset.connections.filter((c) => c.client === "RESET").length, 2, "requests are reset");
  assert.equal(reset.counters.SyncookiesRecv, 1, "the cookie client's ACK is dropped without a reset, even with abort");
  // A SYN that finds the queue already full is dropped silently either way: no RST, the client retransmits.
  for (const abort of [0, 1] as const) {
    const full = simulate({ backlog: 0, clients: 2, tcpAbortOnOverflow: abort, observeAtMs: 500 });
    assert.equal(full.observation.synSent, 1);
    assert.equal(full.connections.filter((c) => c.client === "RESET" || c.client === "REFUSED").length, 0);
  }
});

test("SYN-queue rules: without syncookies the queue limit drops SYNs; the 6.13 comparison change shows at backlog 0", () => {
  const slow = { backlog: 4, clients: 10, rttMs: 100, connectIntervalMs: 0, observeAtMs: 300 };
  const noCookies = simulate({ ...slow, tcpSyncookies: 0 });
  assert.ok(noCookies.counters.TCPReqQFullDrop > 0);
  assert.equal(noCookies.counters.SyncookiesSent, 0);
  const cookies = simulate({ ...slow, tcpSyncookies: 1 });
  assert.equal(cookies.counters.TCPReqQFullDrop, 0);
  assert.ok(cookies.counters.SyncookiesSent > 0);
  const old = simulate({ backlog: 0, clients: 1, kernel: { major: 6, minor: 12 } });
  const recent = simulate({ backlog: 0, clients: 1, kernel: { major: 6, minor: 13 } });
  assert.equal(old.counters.SyncookiesSent, 1, "before 6.13: qlen >= 0 is always full, so a cookie");
  assert.equal(recent.counters.SyncookiesSent, 0, "from 6.13: qlen > 0, so a normal request");
});

test("the event queue keeps time moving forward and refuses the past", () => {
  const q = new EventQueue();
  const seen: number[] = [];
  for (const t of [5, 1, 3, 1]) q.schedule(t, () => seen.push(t));
  q.runUntil(10);
  assert.deepEqual(seen, [1, 1, 3, 5]);
  assert.throws(() => q.schedule(2, () => {}), RangeError);
  assert.throws(() => simParams({ backlog: -1 }), /backlog must be a number ≥ 0/);
});

test("invariants hold for any settings (property test)", () => {
  const settings = fc.record({
    backlog: fc.integer({ min: 0, max: 20 }),
    somaxconn: fc.integer({ min: 0, max: 30 }),
    clients: fc.integer({ min: 1, max: 40 }),
    connectIntervalMs: fc.constantFrom(0, 0.1, 5, 50),
    rttMs: fc.constantFrom(0.02, 1, 40, 200),
    ackDelayMs: fc.constantFrom(0, 100, 1500),
    acceptFromMs: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
    clientsCloseEarly: fc.boolean(),
    tcpSyncookies: fc.constantFrom(0 as const, 1 as const, 2 as const),
    tcpAbortOnOverflow: fc.constantFrom(0 as const, 1 as const),
    tcpMaxSynBacklog: fc.integer({ min: 1, max: 64 }),
    tcpSynLinearTimeouts: fc.integer({ min: 0, max: 4 }),
    kernel: fc.constantFrom({ major: 6, minor: 6 }, { major: 6, minor: 18 }),
  });
  fc.assert(
    fc.property(settings, (s) => {
      const r = simulate({ ...s, durationMs: 20_000 });
      // The accept queue never holds more than its maximum plus one.
      assert.ok(r.maxAcceptQueue <= r.acceptQueueMax + 1);
      // Every connection is accounted for, in exactly one client state.
      assert.equal(r.connections.length, s.clients);
      const states = ["SYN-SENT", "ESTAB", "FIN-WAIT-2", "REFUSED", "RESET", "TIMED-OUT"];
      for (const c of r.connections) assert.ok(states.includes(c.client));
      // Each timeline moves forward in time; only connections that completed are accepted.
      for (const c of r.connections) {
        for (let i = 1; i < c.timeline.length; i++) assert.ok(c.timeline[i]!.t >= c.timeline[i - 1]!.t);
        if (c.acceptedAt !== null) assert.ok(c.connectedAt !== null && c.acceptedAt >= c.connectedAt - s.rttMs);
      }
      assert.ok(r.counters.ListenDrops >= r.counters.ListenOverflows);
      // The model is deterministic.
      assert.deepEqual(simulate({ ...s, durationMs: 20_000 }).counters, r.counters);
    }),
    { numRuns: 150, seed: 20261126 },
  );
});

test("ListenOverflows as a time series: a count each round, and a client whose clock is fractional still gives up in time", () => {
  // Connected at 0.06 ms, the client's timers fire at 1000.06, 2000.06, …: tcp_syn_retries 2 ends it at 7 s all the
  // same, after five retransmissions, each of which the full queue counted.
  const r = simulate({ backlog: 0, clients: 2, connectAtMs: [0, 0.06], tcpSynRetries: 2, durationMs: 20_000 });
  const waiting = r.connections[1]!;
  assert.equal(waiting.client, "TIMED-OUT");
  assert.equal(waiting.synsSent, 6);
  assert.ok(Math.abs(waiting.timeline.at(-1)!.t - 7000.06) < 1e-6, "ETIMEDOUT at 7 s after its connect()");
  assert.equal(r.listenOverflowsAt.length, r.counters.ListenOverflows);
  assert.deepEqual(
    r.listenOverflowsAt.map((t) => Math.round(t / 1000)),
    [0, 1, 2, 3, 4, 5],
  );
});
