// TCPServer.useSocket(): the one seam for a socket made elsewhere (systemd, a predecessor, a worker group,
// ForkingMixIn's parent). It refuses a socket the server could not serve on, closes the socket it replaces,
// and the server's address and family follow the new one.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AF_INET6,
  BaseRequestHandler,
  createConnection,
  DatagramRequestHandler,
  SOCK_DGRAM,
  Socket,
  TCPServer,
  UDPServer,
} from "../../src/index.js";
import { openFdCount, within } from "../helpers/wait.js";

class Echo extends BaseRequestHandler {
  override async handle(): Promise<void> {
    await this.request.sendall(await this.request.recv(100));
  }
}

function listening(family?: number): Socket {
  const listener = new Socket(family);
  listener.bind([family === AF_INET6 ? "::1" : "127.0.0.1", 0]);
  listener.listen(8);
  return listener;
}

test("useSocket() refuses a stream socket that does not listen, or one of another type, with a TypeError", async () => {
  const server = new TCPServer(["127.0.0.1", 0], Echo, false);
  const own = server.socket;
  const unlistened = new Socket();
  const datagram = new Socket(undefined, SOCK_DGRAM);
  datagram.bind(["127.0.0.1", 0]);
  try {
    assert.throws(() => server.useSocket(unlistened), {
      name: "TypeError",
      message: /is not a listening socket of type 1/,
    });
    assert.throws(() => server.useSocket(datagram), {
      name: "TypeError",
      message: /is not a listening socket of type 1/,
    });
    assert.equal(server.socket, own, "a refused socket changes nothing");
    assert.equal(own.closed, false);
    assert.equal(unlistened.closed, false, "nor is the refused socket closed: it is still the caller's");
  } finally {
    unlistened.close();
    datagram.close();
    await server.serverClose();
  }
});

test("useSocket() closes the socket the constructor made, and serverAddress and addressFamily follow the listener", async () => {
  const before = openFdCount();
  const server = new TCPServer(["127.0.0.1", 0], Echo, false);
  const made = server.socket;
  const listener = listening(AF_INET6);
  assert.equal(openFdCount(), before + 2, "the server's own socket and the listener");
  server.useSocket(listener);
  assert.equal(made.closed, true);
  assert.equal(openFdCount(), before + 1, "only the listener is left open");
  assert.equal(server.socket, listener);
  assert.equal(server.addressFamily, AF_INET6);
  assert.deepEqual(server.serverAddress, listener.getsockname());
  const serving = server.serveForever(0.05);
  try {
    const c = await createConnection(["::1", server.serverAddress[1]]);
    await c.sendall(Buffer.from("over the listener"));
    assert.equal((await within(3000, "the echo", c.recv(100))).toString(), "over the listener");
    c.close();
  } finally {
    await server.shutdown();
    await serving;
    await server.serverClose();
  }
  assert.equal(listener.closed, true, "the server owns the listener it was given: serverClose() closed it");
  assert.equal(openFdCount(), before);
});

test("a datagram server takes a bound datagram socket and refuses an unbound one", async () => {
  class Reply extends DatagramRequestHandler {
    override async handle(): Promise<void> {
      await this.wfile.write(Buffer.from(`got ${this.packet.toString()}`));
    }
  }
  const server = new UDPServer(["127.0.0.1", 0], Reply, false);
  const unbound = new Socket(undefined, SOCK_DGRAM);
  const bound = new Socket(undefined, SOCK_DGRAM);
  bound.bind(["127.0.0.1", 0]);
  assert.throws(() => server.useSocket(unbound), { name: "TypeError", message: /is not a bound socket of type 2/ });
  unbound.close();
  server.useSocket(bound);
  assert.deepEqual(server.serverAddress, bound.getsockname());
  const client = new Socket(undefined, SOCK_DGRAM);
  client.settimeout(5);
  try {
    await client.sendto(Buffer.from("ping"), server.serverAddress);
    const handled = server.handleRequest();
    assert.equal((await client.recv(100)).toString(), "got ping");
    await handled;
  } finally {
    client.close();
    await server.serverClose();
  }
});
