// UDP and AF_UNIX sockets: datagrams, and Unix streams, on the same syscall-and-readiness path as TCP.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  AF_INET6,
  AF_UNIX,
  BlockingIOError,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  Socket,
  sendFds,
  socketpair,
} from "../../src/index.js";
import { E } from "../../src/socket/errors.js";
import { receiveMessage } from "../../src/socket/messages.js";
import { stillPending } from "../helpers/wait.js";

test("UDP sendto/recvfrom, including a 65,507-byte datagram", async () => {
  const a = new Socket(undefined, SOCK_DGRAM);
  const b = new Socket(undefined, SOCK_DGRAM);
  try {
    a.bind(["127.0.0.1", 0]);
    b.bind(["127.0.0.1", 0]);
    const pending = b.recvfrom(70000);
    assert.ok(await stillPending(pending, 30), "recvfrom waits for a datagram");
    const big = randomBytes(65507);
    assert.equal(await a.sendto(big, b.getsockname()), 65507);
    const [data, from] = await pending;
    assert.deepEqual(from, a.getsockname());
    assert.ok(data.equals(big));
    // A datagram larger than bufsize is cut, as recvfrom(2) does.
    await a.sendto(Buffer.from("truncated"), b.getsockname());
    assert.equal((await b.recv(5)).toString(), "trunc");
  } finally {
    a.close();
    b.close();
  }
});

test("connected UDP over IPv6 uses send and recv", async () => {
  const a = new Socket(AF_INET6, SOCK_DGRAM);
  const b = new Socket(AF_INET6, SOCK_DGRAM);
  try {
    a.bind(["::1", 0]);
    b.bind(["::1", 0]);
    await a.connect(b.getsockname());
    await b.connect(a.getsockname());
    await a.send(Buffer.from("ping"));
    assert.equal((await b.recv(100)).toString(), "ping");
  } finally {
    a.close();
    b.close();
  }
});

test("AF_UNIX datagrams between named sockets", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socketkit-unix-"));
  const a = new Socket(AF_UNIX, SOCK_DGRAM);
  const b = new Socket(AF_UNIX, SOCK_DGRAM);
  try {
    a.bind(join(dir, "a"));
    b.bind(join(dir, "b"));
    const pending = b.recvfrom(1024);
    await a.sendto(Buffer.from("over unix"), join(dir, "b"));
    const [data, from] = await pending;
    assert.equal(data.toString(), "over unix");
    assert.equal(from, join(dir, "a"));
  } finally {
    a.close();
    b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("AF_UNIX stream: listen, accept, echo, EOF", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socketkit-unix-"));
  const path = join(dir, "echo.sock");
  const server = new Socket(AF_UNIX);
  const client = new Socket(AF_UNIX);
  try {
    server.bind(path);
    server.listen();
    const accepting = server.accept();
    await client.connect(path);
    const [conn] = await accepting;
    await client.sendall(Buffer.from("unix stream"));
    await conn.sendall(await conn.recv(100));
    assert.equal((await client.recv(100)).toString(), "unix stream");
    client.close();
    assert.equal((await conn.recv(100)).length, 0);
    conn.close();
  } finally {
    server.close();
    client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("socketpair gives two connected Unix sockets; dup shares the connection", async () => {
  const [x, y] = socketpair();
  const z = x.dup();
  try {
    assert.notEqual(z.fd, x.fd);
    x.close();
    await z.sendall(Buffer.from("still open"));
    assert.equal((await y.recv(100)).toString(), "still open");
    const fd = y.detach();
    assert.equal(y.fd, -1);
    const again = new Socket(undefined, undefined, undefined, fd);
    assert.equal(again.family, AF_UNIX);
    assert.equal(again.fd, fd);
    again.close();
  } finally {
    x.close();
    z.close();
  }
});

test("receiveMessage takes a queued message and its descriptor at once through the socket, or says none is there", async () => {
  const [a, b] = socketpair(AF_UNIX, SOCK_SEQPACKET);
  const [x, y] = socketpair();
  const data = Buffer.alloc(16);
  try {
    assert.throws(
      () => receiveMessage(b, [data], 64),
      (e: unknown) => e instanceof BlockingIOError && e.errno === E.EAGAIN,
    );
    await sendFds(a, [Buffer.from("hello")], [x.fileno()]);
    const [n, ancdata] = receiveMessage(b, [data], 64);
    assert.equal(data.subarray(0, n).toString(), "hello");
    const passed = new Socket(undefined, undefined, undefined, ancdata[0]![2].readInt32LE(0));
    await passed.sendall(Buffer.from("through the passed fd"));
    passed.close();
    assert.equal((await y.recv(64)).toString(), "through the passed fd");
    b.close();
    assert.throws(() => receiveMessage(b, [data]), { name: "OSError", errno: E.EBADF });
  } finally {
    for (const s of [a, b, x, y]) s.close();
  }
});
