// No descriptor leaks: connect/accept/close cycles and failing calls leave /proc/self/fd as it was.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectionRefusedError, createServer, OSError, Socket } from "../../src/index.js";
import { openFdCount, waitFor } from "../helpers/wait.js";

/** libuv closes a stream's duplicate fd on its close callback, a tick after close(): wait for the count to settle. */
function settled(baseline: number): Promise<number> {
  return waitFor(`fd count back to ${baseline}`, () => {
    const n = openFdCount();
    return n <= baseline ? n : undefined;
  }, 5000, 20).catch(() => openFdCount());
}

test("5,000 connect/accept/exchange/close cycles leave no descriptor behind", async () => {
  const server = createServer(["127.0.0.1", 0], { backlog: 128 });
  const address = server.getsockname();
  // Warm up: the reactor's epoll fd, its eventfd and the worker exist after the first wait.
  {
    const c = new Socket();
    const accepting = server.accept();
    await c.connect(address);
    (await accepting)[0].close();
    c.close();
  }
  const baseline = openFdCount();
  for (let i = 0; i < 5000; i++) {
    const client = new Socket();
    const accepting = server.accept();
    await client.connect(address);
    const [conn] = await accepting;
    await client.sendall(Buffer.from("x"));
    assert.equal((await conn.recv(1)).toString(), "x");
    conn.close();
    client.close();
  }
  assert.equal(await settled(baseline), baseline);
  server.close();
});

test("failed calls close what they opened", async () => {
  const server = createServer(["127.0.0.1", 0]);
  const [, port] = server.getsockname() as [string, number];
  const baseline = openFdCount();
  for (let i = 0; i < 200; i++) {
    // Port in use: createServer closes its socket before the error propagates.
    assert.throws(() => createServer(["127.0.0.1", port]), (e: unknown) => e instanceof OSError && e.errno === 98);
    const s = new Socket();
    await assert.rejects(s.connect(["127.0.0.1", 1]), ConnectionRefusedError);
    s.close();
    assert.throws(() => new Socket(99), RangeError);
  }
  assert.equal(await settled(baseline), baseline);
  server.close();
});
