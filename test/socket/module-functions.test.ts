// The module functions and the option calls, checked against what Python's socket module gives.
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { listenerQueues, querySockets } from "../../src/kernel/sock-diag.js";
import { test } from "node:test";
import { E } from "../../src/socket/errors.js";
import {
  AF_INET,
  AF_INET6,
  createConnection,
  createServer,
  getaddrinfo,
  gethostname,
  hasDualstackIpv6,
  IPPROTO_TCP,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  TCP_NODELAY,
} from "../../src/index.js";

test("getaddrinfo('localhost', 80, AF_INET, SOCK_STREAM) gives Python's 5-tuple", async () => {
  assert.deepEqual(await getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM), [
    [AF_INET, SOCK_STREAM, 6, "", ["127.0.0.1", 80]],
  ]);
  const any = await getaddrinfo(null, 8080, AF_INET, SOCK_STREAM, 0, 1 /* AI_PASSIVE */);
  assert.deepEqual(any[0]![4], ["0.0.0.0", 8080]);
  assert.equal(gethostname(), hostname());
});

test("connectEx returns errno instead of raising: 0 when connected, 111 when refused", async () => {
  const server = createServer(["127.0.0.1", 0]);
  const a = new Socket();
  const b = new Socket();
  try {
    assert.equal(await a.connectEx(server.getsockname()), 0);
    assert.equal(await b.connectEx(["127.0.0.1", 1]), E.ECONNREFUSED);
  } finally {
    a.close();
    b.close();
    server.close();
  }
});

test("setsockopt and getsockopt: ints and raw bytes, as the kernel stores them", () => {
  const s = new Socket();
  try {
    assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 0);
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
    s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    assert.equal(s.getsockopt(IPPROTO_TCP, TCP_NODELAY), 1);
    s.setsockopt(SOL_SOCKET, SO_RCVBUF, 65536);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_RCVBUF), 131072, "Linux doubles SO_RCVBUF for its bookkeeping");
    const linger = Buffer.alloc(8);
    linger.writeInt32LE(1, 0);
    linger.writeInt32LE(5, 4);
    s.setsockopt(SOL_SOCKET, SO_LINGER, linger);
    assert.deepEqual(s.getsockopt(SOL_SOCKET, SO_LINGER, 8), linger);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_LINGER, 0), 1, "buflen 0 is the int form, as Python's default");
    assert.throws(() => s.getsockopt(SOL_SOCKET, SO_LINGER, -1), { name: "RangeError", message: /buflen/ });
  } finally {
    s.close();
  }
});

test("listen() defaults to min(SOMAXCONN, 128) and clamps a negative backlog to 0", async () => {
  const s = new Socket();
  const clients = [new Socket(), new Socket()];
  try {
    s.bind(["127.0.0.1", 0]);
    s.listen(-5);
    await clients[0]!.connect(s.getsockname());
    clients[1]!.settimeout(0.2);
    await assert.rejects(
      clients[1]!.connect(s.getsockname()),
      { name: "TimeoutError" },
      "listen(-5) admits one, like listen(0)",
    );
    const d = new Socket();
    d.bind(["127.0.0.1", 0]);
    d.listen();
    const [, port] = d.getsockname();
    assert.equal(listenerQueues(querySockets(), port)[0]?.acceptQueueMax, 128);
    d.close();
  } finally {
    for (const c of clients) c.close();
    s.close();
  }
});

test(
  "createServer with dualstackIpv6 accepts IPv4 clients on an IPv6 socket",
  { skip: !hasDualstackIpv6() && "no dual-stack IPv6 here" },
  async () => {
    const server = createServer(["::", 0], { family: AF_INET6, dualstackIpv6: true });
    try {
      const [, port] = server.getsockname();
      const accepting = server.accept();
      const client = await createConnection(["127.0.0.1", port]);
      const [conn, address] = await accepting;
      assert.equal(address[0], "::ffff:127.0.0.1");
      conn.close();
      client.close();
    } finally {
      server.close();
    }
    assert.throws(() => createServer(["127.0.0.1", 0], { dualstackIpv6: true }), RangeError);
  },
);
