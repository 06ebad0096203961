// The examples run as a user runs them, importing "socketkit" by name.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { test } from "node:test";
import { makeTestCert } from "../helpers/tls-cert.js";
import { start } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { waitFor, within } from "../helpers/wait.js";

const tsx = [process.execPath, "--import", "tsx"];

test("examples/echo-server.ts and examples/echo-client.ts talk to each other", async () => {
  const env = { PORT: String(freePort()) };
  const server = start(["examples/echo-server.ts"], tsx, env);
  try {
    await waitFor("the example server", () => (server.stdout().includes("serving on") ? true : undefined), 10000);
    const client = start(["examples/echo-client.ts"], tsx, env);
    client.child.stdin.end("hello\nq\n");
    assert.equal(await within(10000, "the example client", client.exit), 0, client.stderr());
    assert.match(client.stdout(), /服务端收到, 你发的消息是: hello/);
    assert.match(client.stdout(), /Bye~~~/);
    await waitFor("the server's log", () => (server.stdout().includes("disconnected") ? true : undefined));
  } finally {
    server.child.kill("SIGINT");
    assert.equal(await within(5000, "the example server to stop", server.exit), 0);
  }
});

test("examples/kernel-queue.ts shows six of ten connects completing before accept()", async () => {
  const run = start(["examples/kernel-queue.ts"], tsx);
  assert.equal(await within(15000, "the example", run.exit), 0, run.stderr());
  assert.match(run.stdout(), /6 of 10 connects completed with no accept\(\) called/);
  assert.match(run.stdout(), /10 of 10/);
});

test(
  "examples/tls-echo-server.ts echoes over TLS to a node:tls client and stops on SIGINT",
  { skip: spawnSync("openssl", ["version"]).status !== 0 && "openssl is not installed" },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "socketkit-tls-example-"));
    const { key, cert } = makeTestCert();
    writeFileSync(join(dir, "key.pem"), key);
    writeFileSync(join(dir, "cert.pem"), cert);
    const port = freePort();
    const env = { PORT: String(port), TLS_KEY: join(dir, "key.pem"), TLS_CERT: join(dir, "cert.pem") };
    const server = start(["examples/tls-echo-server.ts"], tsx, env);
    try {
      await waitFor("the example server", () => (server.stdout().includes("serving TLS on") ? true : undefined), 10000);
      const client = tls.connect({ host: "localhost", port, ca: cert, servername: "localhost" });
      await within(10000, "the handshake", once(client, "secureConnect"));
      client.write("hello tls\n");
      const [echo] = (await within(10000, "the echo", once(client, "data"))) as [Buffer];
      assert.equal(echo.toString(), "hello tls\n");
      client.end();
      await within(10000, "the session's end", once(client, "close"));
      await waitFor("the server's log", () => (server.stdout().includes("disconnected") ? true : undefined));
      assert.match(server.stdout(), /connected over TLSv1\.3/);
    } finally {
      server.child.kill("SIGINT");
      assert.equal(await within(5000, "the example server to stop", server.exit), 0, server.stderr());
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
