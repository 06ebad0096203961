// The examples run as a user runs them, importing "socketkit" by name.
import assert from "node:assert/strict";
import { test } from "node:test";
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
