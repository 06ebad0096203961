// No descriptor leaks: connect/accept/close cycles and failing calls leave /proc/self/fd as it was.
import assert from "node:assert/strict";
import { test } from "node:test";
import { E } from "../../src/socket/errors.js";
import { ConnectionRefusedError, createServer, OSError, Socket } from "../../src/index.js";
import { openFdCount } from "../helpers/wait.js";

test("5,000 connect/accept/exchange/close cycles leave no descriptor behind", async () => {
  const server = createServer(["127.0.0.1", 0], { backlog: 128 });
  const address = server.getsockname();
  // Warm up: anything made once per process (koffi's callbacks, the scratch areas) exists after the first wait.
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
  assert.equal(openFdCount(), baseline);
  server.close();
});

test("failed calls close what they opened", async () => {
  const server = createServer(["127.0.0.1", 0]);
  const [, port] = server.getsockname();
  const baseline = openFdCount();
  for (let i = 0; i < 200; i++) {
    // Port in use: createServer closes its socket before the error propagates.
    assert.throws(
      () => createServer(["127.0.0.1", port]),
      (e: unknown) => e instanceof OSError && e.errno === E.EADDRINUSE,
    );
    const s = new Socket();
    await assert.rejects(s.connect(["127.0.0.1", 1]), ConnectionRefusedError);
    s.close();
    assert.throws(
      () => new Socket(99),
      (e: unknown) => e instanceof OSError && e.errno === E.EAFNOSUPPORT,
    );
  }
  assert.equal(openFdCount(), baseline);
  server.close();
});
