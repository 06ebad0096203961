// Listener snapshots: the figures behind `socketkit watch` and `socketkit exporter` — rates between two looks and
// the order of pressure, then against the running kernel: queues, owners (the processes holding the listening
// socket, never the clients'), IPv6.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import {
  byPressure,
  counterRates,
  dropRates,
  pressure,
  snapshotListeners,
  type ListenersSnapshot,
} from "../../src/kernel/listener-snapshot.js";
import { groupListeners, type Listener } from "../../src/kernel/listeners.js";
import type { DiagSocket } from "../../src/kernel/sock-diag.js";
import { AF_INET6, Socket } from "../../src/index.js";
import { waitFor } from "../helpers/wait.js";

test("counterRates divides each counter's change by the seconds between two snapshots; none for the first", () => {
  const at = (ms: number, overflows: number): ListenersSnapshot => ({
    at: ms,
    time: "",
    readSeconds: 0,
    listeners: [],
    namespaceCounters: { ListenOverflows: overflows, ListenDrops: 0 },
  });
  assert.deepEqual(counterRates(null, at(0, 5)), {});
  assert.deepEqual(counterRates(at(0, 5), at(500, 8)), { ListenOverflows: 6, ListenDrops: 0 });
});

const listen = (inode: number, rqueue: number, wqueue: number, drops: number): DiagSocket => ({
  family: 4,
  state: "LISTEN",
  localAddress: "127.0.0.1",
  localPort: 80,
  remoteAddress: "0.0.0.0",
  remotePort: 0,
  rqueue,
  wqueue,
  uid: 0,
  inode,
  drops,
});

test("pressure orders the fullest first, then drops per second, then SYN-RECV", () => {
  const l = (key: string, acceptQueue: number, backlog: number, synRecv = 0): Listener => ({
    family: 4,
    address: key,
    port: 1,
    key,
    acceptQueue,
    backlog,
    synRecv,
    established: 0,
    drops: 0,
    sockets: [{ inode: 1, acceptQueue, backlog, drops: 0, owners: [] }],
    owners: [],
  });
  const ordered = byPressure(
    [l("idle", 0, 10), l("syn", 0, 10, 5), l("full", 11, 10), l("dropping", 0, 10)],
    new Map([["dropping", 3]]),
  );
  assert.deepEqual(
    ordered.map((x) => x.key),
    ["full", "dropping", "syn", "idle"],
  );
});

test("drops per second need the same sockets in both looks: a restarted listener starts again", () => {
  const snap = (at: number, inode: number, drops: number): ListenersSnapshot => ({
    at,
    time: "",
    readSeconds: 0,
    namespaceCounters: {},
    listeners: groupListeners([listen(inode, 0, 4, drops)]),
  });
  assert.deepEqual([...dropRates(snap(0, 1, 4), snap(500, 1, 10))], [["127.0.0.1:80", 12]]);
  assert.deepEqual([...dropRates(snap(0, 1, 4), snap(500, 2, 1))], []);
  assert.deepEqual([...dropRates(null, snap(500, 1, 1))], []);
});

test("a listener's pressure is its fullest socket's: SO_REUSEPORT queues are not averaged", () => {
  const [l] = groupListeners([listen(5, 3, 8, 0), listen(6, 9, 8, 0)]);
  assert.equal(pressure(l!), 1, "the fuller socket holds 9 of its 8 + 1");
});

test("a snapshot of a real listener: its queues, no drops, this process as owner, and the namespace's counters", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(7);
  const [, port] = server.getsockname();
  const client = new Socket();
  try {
    await client.connect(["127.0.0.1", port]);
    const s = snapshotListeners({ ports: [port] });
    assert.equal(s.listeners.length, 1);
    const l = s.listeners[0]!;
    assert.deepEqual(
      [l.key, l.acceptQueue, l.backlog, l.synRecv, l.established, l.drops],
      [`127.0.0.1:${port}`, 1, 7, 0, 1, 0],
    );
    assert.deepEqual(
      l.owners.map((o) => o.pid),
      [process.pid],
    );
    assert.ok("ListenOverflows" in s.namespaceCounters);
    assert.ok(
      snapshotListeners().listeners.some((x) => x.key === l.key),
      "an unfiltered snapshot has it too",
    );
  } finally {
    client.close();
    server.close();
  }
});

test("owners are the processes holding the listening socket: a client process is not one, an heir is", async () => {
  const server = new Socket(AF_INET6);
  server.bind(["::1", 0]);
  server.listen(4);
  const [, port] = server.getsockname();
  // One child connects and holds its client socket; the other inherits the listener as its fd 3.
  const script = `require("net").connect(${port}, "::1").on("connect", () => console.log("up")); setInterval(() => {}, 1e6)`;
  const client = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const heir = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e6)"], {
    stdio: ["ignore", "ignore", "inherit", server.fileno()],
  });
  try {
    await new Promise((r) => client.stdout.once("data", r));
    const l = await waitFor("both processes seen", () => {
      const found = snapshotListeners({ ports: [port] }).listeners[0];
      return found && found.owners.length === 2 && found.established === 1 ? found : undefined;
    });
    assert.equal(l.key, `[::1]:${port}`);
    assert.deepEqual(l.owners.map((o) => o.pid).sort(), [process.pid, heir.pid!].sort());
    assert.ok(!l.owners.some((o) => o.pid === client.pid), "the client's process is not an owner");
  } finally {
    client.kill("SIGKILL");
    heir.kill("SIGKILL");
    server.close();
  }
});
