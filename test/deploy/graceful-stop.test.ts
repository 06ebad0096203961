// stopGracefully: idle connections are woken and end, busy ones may finish their request, and whatever is still
// open when the grace period ends is closed — the count of those comes back to the caller.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BaseRequestHandler,
  ConnectionSet,
  createConnection,
  stopGracefully,
  ThreadingTCPServer,
  type Socket,
} from "../../src/index.js";
import { waitFor, within } from "../helpers/wait.js";

const connections = new ConnectionSet();
/** Far more than the kernel's buffers hold: a reply to a client that does not read stalls in sendall(). */
const FLOOD = Buffer.alloc(32 * 1024 * 1024, 0x62);

class Handler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    connections.open(this.request);
    try {
      while (!connections.stopping) {
        connections.idle(this.request);
        const msg = await this.request.recv(1024);
        connections.busy(this.request);
        if (msg.length === 0) break;
        // "flood" asks for a reply the client will never read: the request cannot finish on its own.
        await this.request.sendall(msg.toString() === "flood" ? FLOOD : msg);
      }
    } catch {
      // Closed under it by the stop: the end of this session.
    } finally {
      connections.close(this.request);
    }
  }
}

test("a graceful stop ends idle connections at once and closes the ones still busy when the grace ends", async () => {
  const server = new ThreadingTCPServer(["127.0.0.1", 0], Handler);
  const serving = server.serveForever(0.05);
  const address = server.serverAddress;
  // The order matters, not the time: first a request that cannot finish, then an idle client, then the stop.
  const busy = await createConnection(address);
  let idle: Socket | null = null;
  try {
    await busy.sendall(Buffer.from("flood"));
    await waitFor("the flood request to start", () =>
      connections.all.size === 1 && connections.waiting.size === 0 ? true : undefined,
    );
    idle = await createConnection(address);
    await idle.sendall(Buffer.from("hi"));
    assert.equal((await idle.recv(16)).toString(), "hi");
    await waitFor("the idle client's handler to wait again", () => (connections.waiting.size === 1 ? true : undefined));
    const forced = await within(10000, "the stop", stopGracefully(server, connections, 300));
    assert.equal(forced, 1, "only the connection stuck in its request was closed by force");
    assert.equal((await idle.recv(16)).length, 0, "the idle client reads EOF");
    assert.equal(connections.all.size, 0);
    await serving;
  } finally {
    idle?.close();
    busy.close();
    await server.serverClose();
  }
});

test("with nothing left to finish, a graceful stop closes nothing by force", async () => {
  const fresh = new ConnectionSet();
  const server = new ThreadingTCPServer(["127.0.0.1", 0], Handler);
  const serving = server.serveForever(0.05);
  assert.equal(await within(10000, "the stop", stopGracefully(server, fresh, 60_000)), 0);
  await serving;
});
