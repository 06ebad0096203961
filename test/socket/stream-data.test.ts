// The data path of a connected stream: recv's limits and EOF, half-close, backpressure, large transfers.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";
import { E } from "../../src/socket/errors.js";
import { readTcpSockets } from "../../src/kernel/proc-net-tcp.js";
import { MSG_PEEK, SHUT_WR } from "../../src/index.js";
import { tcpPair } from "../helpers/pairs.js";
import { stillPending, waitFor, within } from "../helpers/wait.js";

test("recv returns at most bufsize bytes, as soon as any are there", async () => {
  const p = await tcpPair();
  try {
    await p.client.sendall(Buffer.from("hello world"));
    assert.equal((await p.server.recv(5)).toString(), "hello");
    assert.equal((await p.server.recv(1024)).toString(), " world");
    const pending = p.server.recv(1024);
    assert.ok(await stillPending(pending, 50), "recv waits while nothing has arrived");
    await p.client.send(Buffer.from("x"));
    assert.equal((await pending).toString(), "x");
  } finally {
    p.close();
  }
});

test("MSG_PEEK leaves the bytes for the next recv, and recvInto fills a buffer", async () => {
  const p = await tcpPair();
  try {
    await p.client.sendall(Buffer.from("peekaboo"));
    assert.equal((await p.server.recv(4, MSG_PEEK)).toString(), "peek");
    const buf = Buffer.alloc(16);
    const n = await p.server.recvInto(buf, 8);
    assert.equal(buf.subarray(0, n).toString(), "peekaboo");
  } finally {
    p.close();
  }
});

test("recv resolves with an empty Buffer at EOF, and keeps doing so", async () => {
  const p = await tcpPair();
  try {
    await p.client.sendall(Buffer.from("last words"));
    p.client.close();
    assert.equal((await p.server.recv(100)).toString(), "last words");
    assert.equal((await p.server.recv(100)).length, 0);
    assert.equal((await p.server.recv(100)).length, 0);
  } finally {
    p.close();
  }
});

test("shutdown(SHUT_WR) lets the peer read EOF and still answer", async () => {
  const p = await tcpPair();
  try {
    await p.client.sendall(Buffer.from("question"));
    p.client.shutdown(SHUT_WR);
    assert.equal((await p.server.recv(100)).toString(), "question");
    assert.equal((await p.server.recv(100)).length, 0, "the server sees EOF");
    await p.server.sendall(Buffer.from("answer"));
    p.server.close();
    assert.equal((await p.client.recv(100)).toString(), "answer");
    assert.equal((await p.client.recv(100)).length, 0);
  } finally {
    p.close();
  }
});

test("a reader that stops reading holds the writer's sendall with bounded memory; 16 MiB then arrive intact", async () => {
  const p = await tcpPair();
  try {
    const payload = randomBytes(16 * 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const sending = p.client.sendall(payload);
    // The kernel's buffers fill (the receiver's Recv-Q stops growing) and sendall stays pending.
    const [, port] = p.server.getsockname();
    let last = -1;
    await waitFor(
      "the receive queue to stop growing",
      () => {
        const entry = readTcpSockets().find((e) => e.localPort === port && e.state === "ESTAB");
        const queued = entry?.rxQueue ?? 0;
        const settled = queued > 0 && queued === last;
        last = queued;
        return settled ? true : undefined;
      },
      5000,
      50,
    );
    assert.ok(await stillPending(sending, 100), "sendall waits for the reader");
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < payload.length + 4 * 1024 * 1024, `no copy of the payload was queued (grew ${grown} bytes)`);

    const hash = createHash("sha256");
    let received = 0;
    while (received < payload.length) {
      const chunk = await p.server.recv(256 * 1024);
      assert.ok(chunk.length > 0, "no early EOF");
      hash.update(chunk);
      received += chunk.length;
    }
    await within(5000, "sendall", sending);
    assert.equal(received, payload.length);
    assert.equal(hash.digest("hex"), createHash("sha256").update(payload).digest("hex"));
  } finally {
    p.close();
  }
});

test("while the application does not read, the bytes wait in the kernel: nothing is queued in user space", async () => {
  const p = await tcpPair();
  try {
    // One exchange first, so any reading machinery on the receiving side is already running when the flood starts.
    await p.client.sendall(Buffer.from("hi"));
    assert.equal((await p.server.recv(2)).toString(), "hi");
    const before = process.memoryUsage().arrayBuffers;
    const sending = p.client.sendall(randomBytes(32 * 1024 * 1024));
    const [, port] = p.server.getsockname();
    await waitFor("the kernel to hold unread bytes", () => {
      const e = readTcpSockets().find((x) => x.localPort === port && x.state === "ESTAB");
      return e && e.rxQueue > 0 ? true : undefined;
    });
    assert.ok(await stillPending(sending, 100));
    // 32 MiB payload is the writer's own buffer; anything beyond it would be the reader's queue.
    const grown = process.memoryUsage().arrayBuffers - before - 32 * 1024 * 1024;
    assert.ok(grown < 256 * 1024, `reader queued ${grown} bytes`);
  } finally {
    p.close();
  }
});

test("close() while a sendall waits for a reader that never reads: the sendall rejects with EBADF at once", async () => {
  const p = await tcpPair();
  try {
    const sending = p.client.sendall(Buffer.alloc(32 * 1024 * 1024));
    assert.ok(await stillPending(sending, 100), "the kernel's buffers are full");
    p.client.close();
    await assert.rejects(within(1000, "the rejection", sending), { name: "OSError", errno: E.EBADF });
  } finally {
    p.close();
  }
});
