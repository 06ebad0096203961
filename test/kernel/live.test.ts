// The kernel readers against the running kernel: a listener's queue seen through sock_diag and /proc, its owner,
// and TCP_INFO of a connected socket.
import assert from "node:assert/strict";
import { test } from "node:test";
import { socketOwners } from "../../src/kernel/owners.js";
import { readTcpSockets } from "../../src/kernel/proc-net-tcp.js";
import { listenerQueues, querySockets } from "../../src/kernel/sock-diag.js";
import { readListenSysctls } from "../../src/kernel/sysctl.js";
import { Socket } from "../../src/index.js";
import { waitFor } from "../helpers/wait.js";

test("sock_diag shows a listener's accept queue filling, its maximum, and /proc names our process as owner", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(3);
  const [, port] = server.getsockname();
  const clients = Array.from({ length: 2 }, () => new Socket());
  try {
    await Promise.all(clients.map((c) => c.connect(server.getsockname())));
    const q = await waitFor("two queued", () => {
      const found = listenerQueues(querySockets(), port)[0];
      return found && found.acceptQueue === 2 ? found : undefined;
    });
    assert.equal(q.acceptQueueMax, Math.min(3, readListenSysctls().somaxconn));
    assert.ok(q.established >= 2);
    const listener = readTcpSockets().find((e) => e.state === "LISTEN" && e.localPort === port)!;
    assert.equal(listener.inode, q.inode, "/proc/net/tcp and sock_diag name the same socket");
    const owners = socketOwners(new Set([q.inode])).get(q.inode);
    assert.deepEqual(
      owners?.map((o) => o.pid),
      [process.pid],
    );
  } finally {
    for (const c of clients) c.close();
    server.close();
  }
});

test("tcpInfo() reports the kernel's view of a connection", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen();
  const client = new Socket();
  try {
    await client.connect(server.getsockname());
    const info = client.tcpInfo();
    assert.equal(info.state, "ESTAB");
    assert.ok(info.rto >= 200000, `rto ${info.rto} µs`);
    assert.ok(info.sndMss > 0);
    assert.equal(info.unacked, 0);
    const [conn] = await server.accept();
    await client.sendall(Buffer.alloc(1000));
    await conn.recv(1000);
    assert.ok((conn.tcpInfo().bytesReceived ?? 0n) >= 1000n);
    conn.close();
  } finally {
    client.close();
    server.close();
  }
});
