// Many sockets at once: a thousand echoing connections and a thousand waiting sockets wait on Node's own event loop,
// and a waiting call costs nothing until the kernel says it may go on.
import assert from "node:assert/strict";
import { lookup } from "node:dns/promises";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { E } from "../../src/socket/errors.js";
import { SOCK_DGRAM, Socket } from "../../src/index.js";
import { replaceSyscall, sys } from "../../src/libc/syscalls.js";
import { threadCount, within } from "../helpers/wait.js";

async function echo(conn: Socket): Promise<void> {
  for (;;) {
    const data = await conn.recv(4096);
    if (data.length === 0) break;
    await conn.sendall(data);
  }
  conn.close();
}

test("1,000 concurrent connections echo through one process with a bounded thread count", async () => {
  const threadsBefore = threadCount();
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(1024);
  const address = server.getsockname();
  const handlers: Promise<void>[] = [];
  const serving = (async () => {
    for (let i = 0; i < 1000; i++) {
      const [conn] = await server.accept();
      handlers.push(echo(conn));
    }
  })();
  const clients = Array.from({ length: 1000 }, () => new Socket());
  try {
    await within(20000, "1,000 connects", Promise.all(clients.map((c) => c.connect(address))));
    await within(5000, "1,000 accepts", serving);
    let peakThreads = threadCount();
    await within(
      20000,
      "1,000 echoes",
      Promise.all(
        clients.map(async (c, i) => {
          const message = Buffer.from(`message ${i} `.repeat(10));
          await c.sendall(message);
          let got = Buffer.alloc(0);
          while (got.length < message.length) got = Buffer.concat([got, await c.recv(4096)]);
          assert.ok(got.equals(message), `client ${i} got its own bytes back`);
          peakThreads = Math.max(peakThreads, threadCount());
        }),
      ),
    );
    // Readiness comes from Node's own loop: no thread per socket, and none of socketkit's own.
    assert.ok(peakThreads <= threadsBefore + 4, `threads went from ${threadsBefore} to ${peakThreads}`);
  } finally {
    for (const c of clients) c.close();
    await Promise.allSettled(handlers);
    server.close();
  }
});

test("1,000 sockets waiting at once leave the libuv pool free for files and DNS", async () => {
  const sockets = Array.from({ length: 1000 }, () => {
    const s = new Socket(undefined, SOCK_DGRAM);
    s.bind(["127.0.0.1", 0]);
    return s;
  });
  const waits = sockets.map((s) => s.recvfrom(64).catch((e: unknown) => e));
  try {
    const threads = threadCount();
    await within(
      2000,
      "readFile and DNS lookups while 1,000 sockets wait",
      Promise.all([
        ...Array.from({ length: 8 }, () => readFile("/proc/self/status")),
        ...Array.from({ length: 8 }, () => lookup("localhost")),
      ]),
    );
    assert.ok(threads < 40, `${threads} threads for 1,000 waiting sockets`);
  } finally {
    for (const s of sockets) s.close();
    const outcomes = await Promise.all(waits);
    assert.ok(
      outcomes.every((o) => o instanceof Error && (o as { errno?: number }).errno === E.EBADF),
      "closing wakes each waiter with EBADF",
    );
  }
});

/** The timers the process holds: a wait that polled on a timer would add one. */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

test("a pending accept() does nothing while idle: one accept4, no timer, until a connection wakes it", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen();
  const original = sys.accept4;
  let calls = 0;
  const restore = replaceSyscall("accept4", (...args) => {
    calls++;
    return original(...args);
  });
  try {
    const timersBefore = timers();
    const pending = server.accept();
    // Many turns of the event loop: a busy or timed poll would call accept4 again, or hold a timer.
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    assert.equal(calls, 1, "one try, then a wait for readiness");
    assert.equal(timers(), timersBefore, "no timer runs for a wait without a timeout");
    const client = new Socket();
    await client.connect(server.getsockname());
    const [conn] = await within(5000, "the pending accept", pending);
    assert.equal(calls, 2, "the connection woke it once, and the retry took it");
    conn.close();
    client.close();
  } finally {
    restore();
    server.close();
  }
});
