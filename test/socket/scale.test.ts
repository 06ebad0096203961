// Many sockets at once: a thousand echoing connections and a thousand waiting sockets wait on Node's own event loop.
import assert from "node:assert/strict";
import { lookup } from "node:dns/promises";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { E } from "../../src/socket/errors.js";
import { SOCK_DGRAM, Socket } from "../../src/index.js";
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

test("a pending accept() costs no measurable CPU while idle", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen();
  const pending = server.accept().catch((e: unknown) => e);
  try {
    await new Promise((r) => setTimeout(r, 50));
    const start = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1000));
    const used = process.cpuUsage(start);
    const ms = (used.user + used.system) / 1000;
    assert.ok(ms < 30, `idle wait used ${ms.toFixed(1)} ms of CPU in 1 s`);
  } finally {
    server.close();
    await pending;
  }
});
