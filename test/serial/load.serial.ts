// Concurrency under load: many clients at once, a slow handler that must not delay others, no leaked descriptors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BaseRequestHandler, createConnection, Socket, ThreadingTCPServer } from "../../src/index.js";
import { openFdCount, waitFor, within } from "../helpers/wait.js";

class EchoHandler extends BaseRequestHandler {
  override async handle(): Promise<void> {
    for (;;) {
      const msg = await this.request.recv(4096);
      if (msg.length === 0) break;
      if (msg.toString() === "sleep") await new Promise((r) => setTimeout(r, 5000));
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

test("100 clients at once, 100 messages each, every reply correct; a handler sleeping 5 s delays no one", async () => {
  const server = new BigQueue(["127.0.0.1", 0], EchoHandler);
  const serving = server.serveForever(0.05);
  const sleeper = await createConnection(server.serverAddress as [string, number]);
  try {
    const sleeping = exchange(sleeper, "sleep");
    const started = performance.now();
    await within(15000, "100 × 100 exchanges", Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const c = await createConnection(server.serverAddress as [string, number]);
        try {
          for (let m = 0; m < 100; m++) {
            const text = `client ${i} message ${m}`;
            assert.equal(await exchange(c, text), text);
          }
        } finally {
          c.close();
        }
      }),
    ));
    const took = performance.now() - started;
    assert.ok(took < 4500, `the others finished in ${Math.round(took)} ms while one handler slept 5 s`);
    assert.equal(await within(7000, "the sleeper", sleeping), "sleep");
  } finally {
    sleeper.close();
    await server.shutdown();
    await serving;
    await server.serverClose();
  }
});

test("no descriptor leaks after 2,000 client sessions against one server", async () => {
  const server = new BigQueue(["127.0.0.1", 0], EchoHandler);
  const serving = server.serveForever(0.05);
  try {
    const warm = await createConnection(server.serverAddress as [string, number]);
    assert.equal(await exchange(warm, "warm"), "warm");
    warm.close();
    await waitFor("the warm-up session to close", () => (server.threads.size === 0 ? true : undefined));
    const baseline = openFdCount();
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          const c = await createConnection(server.serverAddress as [string, number]);
          assert.equal(await exchange(c, "hi"), "hi");
          c.close();
        }),
      );
    }
    const settled = await waitFor("descriptors back to the baseline", () => {
      const n = openFdCount();
      return server.threads.size === 0 && n <= baseline ? n : undefined;
    }, 10000, 20).catch(() => openFdCount());
    assert.equal(settled, baseline);
  } finally {
    await server.shutdown();
    await serving;
    await server.serverClose();
  }
});
