// Python interoperability on the wire: Python's classic socketserver with socketkit client, and a plain Python
// socket client with socketkit serve, give the same replies as socketkit against itself.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { runClient, start, startServer } from "../helpers/cli.js";
import { within } from "../helpers/wait.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
const skip = hasPython ? false : "python3 is not installed";
// Under 1,024 bytes each: the classic Python handler answers every recv(1024) separately, so a longer message
// comes back from it in pieces, each with its own prefix, by design.
const MESSAGES = ["hello", "你好, 世界", "x".repeat(1000)];

async function socketkitAgainstItself(): Promise<string> {
  const server = await startServer();
  try {
    return (await runClient(server.port, MESSAGES.join("\n") + "\n")).stdout;
  } finally {
    server.child.kill();
  }
}

test("socketkit client against Python's ThreadingTCPServer", { skip }, async () => {
  const py = start(["test/fixtures/python_echo_server.py"], ["python3"]);
  try {
    const port = await within(
      10000,
      "the Python server",
      new Promise<number>((resolve) => {
        py.child.stdout.on("data", () => {
          const m = /^(\d+)\n/.exec(py.stdout());
          if (m) resolve(Number(m[1]));
        });
      }),
    );
    const r = await runClient(port, MESSAGES.join("\n") + "\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, await socketkitAgainstItself());
  } finally {
    py.child.kill();
  }
});

test("a plain Python socket client against socketkit serve", { skip }, async () => {
  const server = await startServer();
  try {
    const py = start(
      ["test/fixtures/python_echo_client.py", "127.0.0.1", String(server.port), ...MESSAGES],
      ["python3"],
    );
    assert.equal(await py.exit, 0, py.stderr());
    assert.equal(py.stdout() + "Bye~~~\n", await socketkitAgainstItself());
  } finally {
    server.child.kill();
  }
});
