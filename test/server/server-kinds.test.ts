// UDP, Unix stream and Unix datagram servers each serve an echo round trip with the stream and datagram handlers.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  AF_UNIX,
  DatagramRequestHandler,
  SOCK_DGRAM,
  Socket,
  StreamRequestHandler,
  ThreadingUDPServer,
  ThreadingUnixDatagramServer,
  ThreadingUnixStreamServer,
  UDPServer,
  type BaseServer,
  type Address,
} from "../../src/index.js";
import { within } from "../helpers/wait.js";

class UpperDatagram extends DatagramRequestHandler<Address> {
  override async handle(): Promise<void> {
    const line = await this.rfile.readline();
    await this.wfile.write(Buffer.from(line.toString().toUpperCase()));
  }
}

class LineEcho extends StreamRequestHandler<Address> {
  override async handle(): Promise<void> {
    for await (const line of this.rfile) await this.wfile.write(Buffer.concat([Buffer.from("> "), line]));
  }
}

async function serving<T extends BaseServer>(server: T, body: (server: T) => Promise<void>): Promise<void> {
  const loop = server.serveForever(0.05);
  try {
    await within(5000, "the exchange", body(server));
  } finally {
    await server.shutdown();
    await loop;
    await server.serverClose();
  }
}

test("UDPServer with a DatagramRequestHandler answers each datagram", async () => {
  await serving(new ThreadingUDPServer(["127.0.0.1", 0], UpperDatagram), async (server) => {
    const c = new Socket(undefined, SOCK_DGRAM);
    await c.sendto(Buffer.from("hello udp\n"), server.serverAddress);
    const [reply, from] = await c.recvfrom(100);
    assert.equal(reply.toString(), "HELLO UDP\n");
    assert.deepEqual(from, server.serverAddress);
    c.close();
  });
  assert.equal(UDPServer.maxPacketSize, 8192);
});

test("UnixStreamServer with a StreamRequestHandler: readline over rfile, write to wfile", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socketkit-srv-"));
  try {
    await serving(new ThreadingUnixStreamServer(join(dir, "s.sock"), LineEcho), async (server) => {
      assert.equal(server.serverAddress, join(dir, "s.sock"));
      const c = new Socket(AF_UNIX);
      await c.connect(server.serverAddress);
      await c.sendall(Buffer.from("first\nsecond\n"));
      let got = "";
      while (got.split("\n").length < 3) got += (await c.recv(100)).toString();
      assert.equal(got, "> first\n> second\n");
      c.shutdown(1);
      assert.equal((await c.recv(100)).length, 0, "the server closes after EOF");
      c.close();
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("UnixDatagramServer answers a client bound to its own path", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socketkit-srv-"));
  try {
    await serving(new ThreadingUnixDatagramServer(join(dir, "d.sock"), UpperDatagram), async (server) => {
      const c = new Socket(AF_UNIX, SOCK_DGRAM);
      c.bind(join(dir, "client.sock"));
      await c.sendto(Buffer.from("over unix\n"), server.serverAddress);
      const [reply] = await c.recvfrom(100);
      assert.equal(reply.toString(), "OVER UNIX\n");
      c.close();
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
