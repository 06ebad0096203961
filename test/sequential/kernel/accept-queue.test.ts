// listen(backlog) bounds the kernel's own accept queue: connections complete with no accept() until it is full.
// Sequential (test/sequential): the waiting clients depend on the kernel's SYN retransmission timer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LIVE_STATES, querySockets } from "../../../src/kernel/sock-diag.js";
import { Socket } from "../../../src/index.js";
import { waitFor, within } from "../../helpers/wait.js";

// sock_diag without TIME-WAIT: /proc/net/tcp on a host that has run the suite lists tens of thousands of those,
// and reading it slowly enough lets the retransmission timer win the race this test watches.
function listenerQueue(port: number): number | undefined {
  return querySockets(LIVE_STATES).find((e) => e.state === "LISTEN" && e.localPort === port)?.rqueue;
}

function clientStates(port: number): string[] {
  return querySockets(LIVE_STATES)
    .filter((e) => e.remotePort === port && e.remoteAddress === "127.0.0.1")
    .map((e) => e.state);
}

test("listen(5) with ten connects and no accept(): six complete, four wait in SYN-SENT, then get in", async () => {
  const server = new Socket();
  const clients: Socket[] = [];
  try {
    server.bind(["127.0.0.1", 0]);
    server.listen(5);
    const [, port] = server.getsockname();
    const done: number[] = [];
    const connects = Array.from({ length: 10 }, (_, i) => {
      const c = new Socket();
      clients.push(c);
      return c.connect(["127.0.0.1", port]).then(() => done.push(i));
    });

    // The kernel completes backlog + 1 handshakes on its own and drops the other SYNs.
    await waitFor("six completed connects", () => (done.length >= 6 ? true : undefined));
    const states = await waitFor("four clients in SYN-SENT", () => {
      const s = clientStates(port);
      return s.filter((x) => x === "SYN-SENT").length === 4 ? s : undefined;
    });
    assert.equal(states.filter((x) => x === "ESTAB").length, 6);
    assert.equal(listenerQueue(port), 6, "accept queue length read from sock_diag");
    assert.equal(done.length, 6, "no seventh connect completed");

    // Draining the queue lets the waiting clients in at their next SYN retransmission (about one second).
    const accepted: Socket[] = [];
    for (let i = 0; i < 6; i++) accepted.push((await server.accept())[0]);
    assert.equal(listenerQueue(port), 0);
    await within(10000, "the four retransmitting clients", Promise.all(connects));
    const retransmitted = clients.map((c) => c.tcpInfo().totalRetrans).filter((n) => n > 0);
    assert.equal(retransmitted.length, 4, "exactly the four waiting clients retransmitted their SYN");
    await waitFor("four more queued", () => (listenerQueue(port) === 4 ? true : undefined));
    for (let i = 0; i < 4; i++) accepted.push((await server.accept())[0]);
    assert.equal(accepted.length, 10);
    for (const a of accepted) a.close();
  } finally {
    for (const c of clients) c.close();
    server.close();
  }
});

test("listen(0) still admits one connection, as the kernel's backlog + 1 rule says", async () => {
  const server = new Socket();
  const clients = [new Socket(), new Socket()];
  try {
    server.bind(["127.0.0.1", 0]);
    server.listen(0);
    const [, port] = server.getsockname();
    await clients[0]!.connect(["127.0.0.1", port]);
    clients[1]!.settimeout(0.3);
    await assert.rejects(clients[1]!.connect(["127.0.0.1", port]), { name: "TimeoutError", message: "timed out" });
    assert.equal(listenerQueue(port), 1);
  } finally {
    for (const c of clients) c.close();
    server.close();
  }
});
