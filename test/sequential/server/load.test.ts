// Concurrency under load: many clients at once, a blocked handler that must not delay others, no leaked descriptors.
// Sequential (test/sequential): 10,000 exchanges and 2,000 sessions compete for the CPU with whatever else runs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BaseRequestHandler, createConnection, Socket, ThreadingTCPServer } from "../../../src/index.js";
import { openFdCount, waitFor, within } from "../../helpers/wait.js";

/** A latch: the "block" handler waits on it, and only the test opens it. */
let openLatch: () => void = () => undefined;
let latch = Promise.resolve();
function closeLatch(): void {
  latch = new Promise<void>((r) => (openLatch = r));
}

class EchoHandler extends BaseRequestHandler {
  override async handle(): Promise<void> {
    for (;;) {
      const msg = await this.request.recv(4096);
      if (msg.length === 0) break;
      if (msg.toString() === "block") await latch;
      await this.request.sendall(msg);
    }
  }
}

async function exchange(sock: Socket, text: string): Promise<string> {
  const out = Buffer.from(text);
  await sock.sendall(out);
  let got = Buffer.alloc(0);
  while (got.length < out.length) {
    const chunk = await sock.recv(4096);
    if (chunk.length === 0) break;
    got = Buffer.concat([got, chunk]);
  }
  return got.toString();
}

class BigQueue extends ThreadingTCPServer {
  static override requestQueueSize = 1024;
}

test("100 clients at once, 100 messages each, every reply correct, all while one handler is blocked", async () => {
  const server = new BigQueue(["127.0.0.1", 0], EchoHandler);
  const serving = server.serveForever(0.05);
  const blocked = await createConnection(server.serverAddress);
  closeLatch();
  try {
    const blocking = exchange(blocked, "block");
    let blockedReplied = false;
    void blocking.then(() => (blockedReplied = true));
    await within(
      60000,
      "100 × 100 exchanges",
      Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const c = await createConnection(server.serverAddress);
          try {
            for (let m = 0; m < 100; m++) {
              const text = `client ${i} message ${m}`;
              assert.equal(await exchange(c, text), text);
            }
          } finally {
            c.close();
          }
        }),
      ),
    );
    // The ordering is the point: every other client finished while that handler could not possibly have.
    assert.equal(blockedReplied, false, "the blocked handler was still waiting on its latch");
    openLatch();
    assert.equal(await within(10000, "the blocked handler", blocking), "block");
  } finally {
    openLatch();
    blocked.close();
    await server.shutdown();
    await serving;
    await server.serverClose();
  }
});

test("no descriptor leaks after 2,000 client sessions against one server", async () => {
  const server = new BigQueue(["127.0.0.1", 0], EchoHandler);
  const serving = server.serveForever(0.05);
  try {
    const warm = await createConnection(server.serverAddress);
    assert.equal(await exchange(warm, "warm"), "warm");
    warm.close();
    await waitFor("the warm-up session to close", () => (server.threads.size === 0 ? true : undefined));
    const baseline = openFdCount();
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          const c = await createConnection(server.serverAddress);
          assert.equal(await exchange(c, "hi"), "hi");
          c.close();
        }),
      );
    }
    const settled = await waitFor(
      "descriptors back to the baseline",
      () => {
        const n = openFdCount();
        return server.threads.size === 0 && n <= baseline ? n : undefined;
      },
      10000,
      20,
    ).catch(() => openFdCount());
    assert.equal(settled, baseline);
  } finally {
    await server.shutdown();
    await serving;
    await server.serverClose();
  }
});
