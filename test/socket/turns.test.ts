// The event loop gets its turn while a socket's calls complete without waiting (src/socket/turns.ts): a loop of
// recv or send calls whose data is always there yields after TURN_BUDGET calls, so immediates, timers and other
// sockets' readiness callbacks still run; a selector polling a ready socket with select(0) yields the same way.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DefaultSelector, EVENT_READ, socketpair } from "../../src/index.js";
import { TURN_BUDGET } from "../../src/socket/turns.js";
import { tcpPair } from "../helpers/pairs.js";

const BYTES = 16 * TURN_BUDGET;

test("a recv loop on data that is already there lets an immediate and a timer run within one budget", async () => {
  const [a, b] = socketpair();
  try {
    await a.sendall(Buffer.alloc(BYTES, 1));
    let calls = 0;
    let immediateAt = -1;
    let timerAt = -1;
    setImmediate(() => (immediateAt = calls));
    setTimeout(() => (timerAt = calls), 0);
    for (let got = 0; got < BYTES; calls++) got += (await b.recv(1)).length;
    assert.equal(calls, BYTES, "every byte came, one recv each");
    assert.ok(immediateAt >= 0 && immediateAt <= TURN_BUDGET, `the immediate ran after ${immediateAt} recv calls`);
    assert.ok(timerAt >= 0 && timerAt <= 2 * TURN_BUDGET, `the timer ran after ${timerAt} recv calls`);
  } finally {
    a.close();
    b.close();
  }
});

test("a connection that had to wait is served while another's send/recv loop never waits", async () => {
  const busy = socketpair();
  const idle = await tcpPair();
  try {
    await busy[0].sendall(Buffer.alloc(BYTES, 2));
    const waiting = idle.server.recv(16);
    let calls = 0;
    let answeredAt = -1;
    void waiting.then(() => (answeredAt = calls));
    // The peer's data arrives while the busy loop runs; only a poll of the event loop can deliver it.
    const spin = (async () => {
      for (let got = 0; got < BYTES; calls++) {
        got += (await busy[1].recv(1)).length;
        if (calls === 1) void idle.client.sendall(Buffer.from("ping"));
      }
    })();
    await spin;
    assert.equal((await waiting).toString(), "ping");
    assert.ok(answeredAt >= 0 && answeredAt < BYTES / 2, `the waiting recv completed after ${answeredAt} of ${BYTES}`);
  } finally {
    busy[0].close();
    busy[1].close();
    idle.close();
  }
});

test("sendall calls that never wait yield too, and a yielded call still honours an aborted signal", async () => {
  const [a, b] = socketpair();
  try {
    let calls = 0;
    let immediateAt = -1;
    setImmediate(() => (immediateAt = calls));
    for (; calls < 2 * TURN_BUDGET; calls++) await a.sendall(Buffer.from("x"));
    assert.ok(immediateAt >= 0 && immediateAt <= TURN_BUDGET, `the immediate ran after ${immediateAt} sendall calls`);
    assert.equal((await b.recv(4096)).length, 2 * TURN_BUDGET, "nothing lost or doubled across the yields");
    const stop = new AbortController();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < TURN_BUDGET + 8; i++) pending.push(b.recv(1, { signal: stop.signal }));
    stop.abort();
    const outcomes = await Promise.allSettled(pending);
    const aborted = outcomes.filter((o) => o.status === "rejected" && (o.reason as Error).name === "AbortError");
    assert.equal(aborted.length, outcomes.length, "every recv, yielded or waiting, ends with the abort");
  } finally {
    a.close();
    b.close();
  }
});

test("a selector's select(0) loop on a ready socket takes turns with the event loop too", async () => {
  const [a, b] = socketpair();
  const selector = new DefaultSelector();
  try {
    await a.sendall(Buffer.from("ready"));
    selector.register(b, EVENT_READ);
    let calls = 0;
    let immediateAt = -1;
    setImmediate(() => (immediateAt = calls));
    for (; calls < 2 * TURN_BUDGET; calls++) assert.equal((await selector.select(0)).length, 1);
    assert.ok(immediateAt >= 0 && immediateAt <= TURN_BUDGET, `the immediate ran after ${immediateAt} select calls`);
  } finally {
    selector.close();
    a.close();
    b.close();
  }
});
