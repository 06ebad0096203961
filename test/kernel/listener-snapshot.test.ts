// Listener snapshots and counter rates: the figures behind `socketkit watch`, from the kernel of this namespace.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  counterRates,
  snapshotListener,
  totalQueues,
  type ListenerSnapshot,
} from "../../src/kernel/listener-snapshot.js";
import { Socket } from "../../src/index.js";

test("counterRates divides each counter's change by the seconds between two snapshots; none for the first", () => {
  const at = (ms: number, overflows: number): ListenerSnapshot => ({
    at: ms,
    time: "",
    port: 1,
    listeners: [],
    owners: [],
    namespaceCounters: { ListenOverflows: overflows, ListenDrops: 0 },
  });
  assert.deepEqual(counterRates(null, at(0, 5)), {});
  assert.deepEqual(counterRates(at(0, 5), at(500, 8)), { ListenOverflows: 6, ListenDrops: 0 });
});

test("a snapshot of a real listener: its queues, this process as owner, and the namespace's counters", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(7);
  const [, port] = server.getsockname() as [string, number];
  const client = new Socket();
  try {
    await client.connect(["127.0.0.1", port]);
    const s = snapshotListener(port);
    assert.deepEqual(totalQueues(s.listeners), { acceptQueue: 1, acceptQueueMax: 7, synRecv: 0, established: 1 });
    assert.ok(s.owners.some((o) => o.pid === process.pid));
    assert.ok("ListenOverflows" in s.namespaceCounters);
  } finally {
    client.close();
    server.close();
  }
});
