// serveForever({ signal }): aborting stops the loop as shutdown() does, and the server may serve again.
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { test } from "node:test";
import { BaseRequestHandler, createConnection, ThreadingTCPServer } from "../../src/index.js";
import { within } from "../helpers/wait.js";

class EchoHandler extends BaseRequestHandler {
  override async handle(): Promise<void> {
    for (let msg = await this.request.recv(1024); msg.length > 0; msg = await this.request.recv(1024)) {
      await this.request.sendall(msg);
    }
  }
}

async function roundTrip(server: ThreadingTCPServer, text: string): Promise<string> {
  const c = await createConnection(server.serverAddress);
  try {
    await c.sendall(Buffer.from(text));
    return (await within(5000, "the echo", c.recv(64))).toString();
  } finally {
    c.close();
  }
}

test("serveForever({ signal }) serves until the abort, then resolves with the socket still open", async () => {
  const server = new ThreadingTCPServer(["127.0.0.1", 0], EchoHandler);
  try {
    const controller = new AbortController();
    const serving = server.serveForever({ signal: controller.signal });
    assert.equal(await roundTrip(server, "first"), "first");
    controller.abort();
    await within(5000, "serveForever to return after the abort", serving);
    assert.equal(getEventListeners(controller.signal, "abort").length, 0, "the loop let go of the signal");
    assert.ok(!server.socket.closed, "as after shutdown(): the socket stays open until serverClose()");
    // As after shutdown(), the loop may run again; a poll interval may come before the options.
    const again = new AbortController();
    const second = server.serveForever(0.05, { signal: again.signal });
    assert.equal(await roundTrip(server, "second"), "second");
    again.abort();
    await within(5000, "the second loop to return", second);
  } finally {
    await server.serverClose();
  }
});

test("serveForever() with an already-aborted signal returns at once, as after shutdown()", async () => {
  const server = new ThreadingTCPServer(["127.0.0.1", 0], EchoHandler);
  try {
    await within(5000, "serveForever", server.serveForever({ signal: AbortSignal.abort() }));
    assert.ok(!server.socket.closed);
  } finally {
    await server.serverClose();
  }
});
