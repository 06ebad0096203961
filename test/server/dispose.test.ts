// `await using` closes a server, and `using` a socket, when the block ends — also when it ends by an error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BaseRequestHandler, Socket, ThreadingTCPServer } from "../../src/index.js";

test("await using closes the server's socket; using closes a socket", async () => {
  let server: ThreadingTCPServer | undefined;
  let sock: Socket | undefined;
  await assert.rejects(
    (async () => {
      await using s = new ThreadingTCPServer(["127.0.0.1", 0], BaseRequestHandler);
      using c = new Socket();
      server = s;
      sock = c;
      assert.ok(s.fileno() >= 0);
      throw new Error("leaving the block early");
    })(),
    /leaving the block early/,
  );
  assert.equal(server!.socket.fd, -1);
  assert.equal(sock!.fd, -1);
});
