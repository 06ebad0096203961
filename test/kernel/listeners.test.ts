// Grouping a sock_diag dump into listeners: one per address and port, each connection counted for the listener
// that holds it (exact address, wildcard, dual-stack), clients never; and each listener's drops.
import assert from "node:assert/strict";
import { test } from "node:test";
import { endpointKey, groupListeners } from "../../src/kernel/listeners.js";
import { parseDiagReply, type DiagSocket } from "../../src/kernel/sock-diag.js";

function sock(over: Partial<DiagSocket> & Pick<DiagSocket, "state" | "localAddress" | "localPort">): DiagSocket {
  return {
    family: over.localAddress.includes(":") ? 6 : 4,
    remoteAddress: "127.0.0.1",
    remotePort: 40000,
    rqueue: 0,
    wqueue: 0,
    uid: 0,
    inode: 0,
    drops: null,
    ...over,
  };
}

const listen = (localAddress: string, localPort: number, inode: number, rqueue = 0, wqueue = 128, drops = 0) =>
  sock({ state: "LISTEN", localAddress, localPort, inode, rqueue, wqueue, drops, remoteAddress: "0.0.0.0" });

test("each connection counts for the most specific listener: exact address before the wildcard", () => {
  const ls = groupListeners([
    listen("127.0.0.1", 80, 1),
    listen("0.0.0.0", 80, 2),
    sock({ state: "ESTAB", localAddress: "127.0.0.1", localPort: 80 }),
    sock({ state: "ESTAB", localAddress: "10.1.2.3", localPort: 80 }),
    sock({ state: "SYN-RECV", localAddress: "10.1.2.3", localPort: 80 }),
    // This host's own client of port 80: its local port is its own, so it belongs to no listener.
    sock({ state: "ESTAB", localAddress: "127.0.0.1", localPort: 40000, remotePort: 80 }),
  ]);
  const by = new Map(ls.map((l) => [l.key, l]));
  assert.deepEqual([by.get("127.0.0.1:80")!.established, by.get("127.0.0.1:80")!.synRecv], [1, 0]);
  assert.deepEqual([by.get("0.0.0.0:80")!.established, by.get("0.0.0.0:80")!.synRecv], [1, 1]);
});

test("a dual-stack [::] listener holds IPv4 requests and the mapped connections they become", () => {
  const [l, ...rest] = groupListeners([
    listen("::", 443, 9),
    sock({ state: "SYN-RECV", localAddress: "192.0.2.1", localPort: 443 }),
    sock({ state: "ESTAB", localAddress: "::ffff:192.0.2.1", localPort: 443 }),
    sock({ state: "CLOSE-WAIT", localAddress: "2001:db8::1", localPort: 443 }),
  ]);
  assert.equal(rest.length, 0);
  assert.equal(l!.key, "[::]:443");
  assert.deepEqual([l!.synRecv, l!.established], [1, 2]);
});

test("SO_REUSEPORT sockets on one address and port are one listener: queues, limits and drops add up", () => {
  const owners = new Map([
    [5, [{ pid: 10, command: "a" }]],
    [6, [{ pid: 11, command: "b" }]],
  ]);
  const [l] = groupListeners([listen("0.0.0.0", 8080, 5, 3, 8, 2), listen("0.0.0.0", 8080, 6, 9, 8, 4)], owners);
  assert.deepEqual(
    [l!.acceptQueue, l!.backlog, l!.drops, l!.sockets.length, l!.owners.map((o) => o.pid)],
    [12, 16, 6, 2, [10, 11]],
  );
});

test("sock_diag: a listener's drops come from the memory-info attribute; IPv6 keys are bracketed", () => {
  const msg = Buffer.alloc(16 + 72 + 8 + 40);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE(20, 4);
  msg.writeUInt8(2, 16);
  msg.writeUInt8(10, 17);
  msg.writeUInt16LE(5, 16 + 72); // INET_DIAG_SHUTDOWN, 1 byte, padded to 8
  msg.writeUInt16LE(8, 16 + 72 + 2);
  msg.writeUInt16LE(40, 16 + 80); // INET_DIAG_SKMEMINFO: nine u32, the last SK_MEMINFO_DROPS
  msg.writeUInt16LE(7, 16 + 82);
  msg.writeUInt32LE(42, 16 + 84 + 32);
  assert.equal(parseDiagReply(msg).sockets[0]!.drops, 42);
  assert.equal(endpointKey(6, "::1", 80), "[::1]:80");
  assert.equal(endpointKey(4, "127.0.0.1", 80), "127.0.0.1:80");
});
