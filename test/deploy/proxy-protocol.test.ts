// The PROXY protocol in a server (ProxyProtocolMixIn): the original client reaches verifyRequest and the handler,
// the connection's own bytes stay for the handler, and each bad header (malformed, truncated, oversized, slow,
// untrusted) closes only its connection with one log line while the server goes on.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BaseRequestHandler,
  buildProxyHeader,
  createConnection,
  ProxyProtocol,
  ProxyProtocolMixIn,
  TCPServer,
  ThreadingTCPServer,
  type Address,
  type IPv4Address,
} from "../../src/index.js";
import type { Socket } from "../../src/socket/socket.js";
import { within } from "../helpers/wait.js";

/** Answers once with what it saw: the client address and the first bytes of the connection. */
class TellHandler extends BaseRequestHandler {
  override async handle(): Promise<void> {
    (this.server as { handled: number }).handled++;
    const first = await this.request.recv(1024);
    await this.request.sendall(Buffer.from(`${JSON.stringify(this.clientAddress)} ${first.toString()}`));
  }
}

function makeServer(
  Base: typeof TCPServer<IPv4Address>,
  options: Partial<ConstructorParameters<typeof ProxyProtocol>[0]> = {},
) {
  const lines: string[] = [];
  const verified: Address[] = [];
  class Server extends ProxyProtocolMixIn(Base) {
    static override proxyProtocol = new ProxyProtocol({
      trusted: ["127.0.0.0/8"],
      timeout: 10,
      log: (l) => lines.push(l),
      ...options,
    });
    handled = 0;
    override verifyRequest(_request: unknown, address: Address): boolean {
      verified.push(address);
      return true;
    }
  }
  const server = new Server(["127.0.0.1", 0], TellHandler);
  const loop = server.serveForever(0.05);
  return {
    server,
    lines,
    verified,
    port: server.serverAddress[1],
    async close() {
      await server.shutdown();
      await loop;
      await server.serverClose();
    },
  };
}

/** Sends `chunks` (pausing between them), then reads until EOF; resolves with what came back. */
async function exchange(port: number, chunks: Buffer[], pauseMs = 0): Promise<string> {
  const c: Socket = await createConnection(["127.0.0.1", port]);
  c.settimeout(5);
  try {
    for (const chunk of chunks) {
      await c.sendall(chunk);
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
    let out = "";
    for (;;) {
      const got = await c.recv(1024).catch((err: { code?: string }) => {
        if (err.code === "ECONNRESET") return Buffer.alloc(0);
        throw err;
      });
      if (got.length === 0) return out;
      out += got.toString();
    }
  } finally {
    c.close();
  }
}

const byteByByte = (b: Buffer) => [...b].map((x) => Buffer.from([x]));

for (const Base of [ThreadingTCPServer, TCPServer]) {
  test(`${Base.name}: v1 and v2 headers, whole or byte by byte, give verifyRequest and the handler the original client`, async () => {
    const s = makeServer(Base);
    try {
      const v1 = buildProxyHeader(1, ["192.0.2.10", 40001], ["127.0.0.1", s.port]);
      const v2 = buildProxyHeader(2, ["2001:db8::7", 40002], ["::1", s.port]);
      assert.equal(
        await within(5000, "v1", exchange(s.port, [Buffer.concat([v1, Buffer.from("hello")])])),
        '["192.0.2.10",40001] hello',
      );
      assert.equal(
        await within(5000, "v2", exchange(s.port, [Buffer.concat([v2, Buffer.from("hi")])])),
        '["2001:db8::7",40002] hi',
      );
      // The header in single bytes, then the data: the reader takes the header and not one byte more.
      assert.equal(
        await within(5000, "slow v1", exchange(s.port, [...byteByByte(v1), Buffer.from("x")], 2)),
        '["192.0.2.10",40001] x',
      );
      assert.equal(
        await within(5000, "slow v2", exchange(s.port, [...byteByByte(v2), Buffer.from("y")], 2)),
        '["2001:db8::7",40002] y',
      );
      assert.deepEqual(
        s.verified.map((a) => a[1]),
        [40001, 40002, 40001, 40002],
      );
      assert.deepEqual(s.lines, []);
    } finally {
      await s.close();
    }
  });
}

test("LOCAL (a balancer's own connection) keeps the balancer's address; a bare connect-and-close logs nothing", async () => {
  const s = makeServer(ThreadingTCPServer);
  try {
    const reply = await within(
      5000,
      "LOCAL",
      exchange(s.port, [Buffer.concat([buildProxyHeader(2, null, null), Buffer.from("ok")])]),
    );
    assert.match(reply, /^\["127\.0\.0\.1",\d+\] ok$/);
    const c = await createConnection(["127.0.0.1", s.port]);
    c.close();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(s.lines, []);
    assert.equal(s.server.handled, 1);
  } finally {
    await s.close();
  }
});

const v2Signature = buildProxyHeader(2, null, null).subarray(0, 12);
/** Each bad header, what the client sends, and the words its log line must contain. */
const badHeaders: Array<[string, Buffer[], RegExp]> = [
  ["v1 malformed", [Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 99999 2\r\nhello")], /bad port "99999"/],
  ["v1 not a header at all", [Buffer.from("GET / HTTP/1.0\r\n\r\n")], /neither v1 nor v2/],
  ["v1 truncated", [Buffer.from("PROXY TCP4 1.2.3.4 5.6")], /connection closed after 22 bytes/],
  ["v1 oversized", [Buffer.from(`PROXY TCP4 ${"9".repeat(150)}`)], /longer than 107 bytes/],
  ["v2 malformed", [Buffer.concat([v2Signature, Buffer.from([0x21, 0x51, 0, 0])])], /family\/transport 0x51/],
  [
    "v2 truncated",
    [Buffer.concat([v2Signature, Buffer.from([0x21, 0x11, 0, 12, 1, 2, 3])])],
    /connection closed after 19 bytes/,
  ],
  ["v2 oversized", [Buffer.concat([v2Signature, Buffer.from([0x21, 0x11, 0x10, 0x00])])], /4112 bytes exceeds 1024/],
];

test("each bad header closes only its connection, with one log line, and never reaches a handler", async () => {
  const s = makeServer(ThreadingTCPServer);
  try {
    for (const [what, chunks, words] of badHeaders) {
      const before = s.lines.length;
      // A truncated header is followed by the client's half-close: the server sees EOF mid-header.
      const c = await createConnection(["127.0.0.1", s.port]);
      c.settimeout(5);
      for (const chunk of chunks) await c.sendall(chunk);
      if (/truncated/.test(what)) c.shutdown(1);
      const got = await within(
        5000,
        what,
        c.recv(1024).catch(() => Buffer.alloc(0)),
      );
      c.close();
      assert.equal(got.length, 0, `${what}: the server closed without answering`);
      await within(
        5000,
        `${what}: log line`,
        (async () => {
          while (s.lines.length === before) await new Promise((r) => setTimeout(r, 5));
        })(),
      );
      assert.equal(s.lines.length, before + 1, `${what}: one line`);
      assert.match(s.lines[before]!, /^PROXY protocol: closed \('127\.0\.0\.1', \d+\): /);
      assert.match(s.lines[before]!, words, what);
    }
    assert.equal(s.server.handled, 0);
    // The server goes on.
    const v1 = buildProxyHeader(1, ["198.51.100.1", 1234], ["127.0.0.1", s.port]);
    assert.equal(
      await exchange(s.port, [Buffer.concat([v1, Buffer.from("still here")])]),
      '["198.51.100.1",1234] still here',
    );
  } finally {
    await s.close();
  }
});

test("a slow header meets its deadline and is closed while other clients are served meanwhile", async () => {
  const s = makeServer(ThreadingTCPServer, { timeout: 4 });
  try {
    const slow = await createConnection(["127.0.0.1", s.port]);
    slow.settimeout(5);
    await slow.sendall(Buffer.from("PROXY TCP4 "));
    // The slow one does not hold up the accept loop: another client is served before its deadline.
    const v2 = buildProxyHeader(2, ["203.0.113.5", 5555], ["127.0.0.1", s.port]);
    assert.equal(await exchange(s.port, [Buffer.concat([v2, Buffer.from("fast")])]), '["203.0.113.5",5555] fast');
    assert.deepEqual(s.lines, []);
    assert.equal(
      (
        await within(
          5000,
          "slow closed",
          slow.recv(10).catch(() => Buffer.alloc(0)),
        )
      ).length,
      0,
    );
    slow.close();
    assert.equal(s.lines.length, 1);
    assert.match(s.lines[0]!, /no complete PROXY header within 4 s \(11 bytes\)/);
    assert.equal(s.server.handled, 1);
  } finally {
    await s.close();
  }
});

test("a header from an address that is not a trusted balancer is refused before it is read", async () => {
  const s = makeServer(ThreadingTCPServer, { trusted: ["10.0.0.0/8", "::1"] });
  try {
    const header = buildProxyHeader(1, ["192.0.2.1", 1], ["127.0.0.1", s.port]);
    assert.equal(await within(5000, "untrusted", exchange(s.port, [Buffer.concat([header, Buffer.from("x")])])), "");
    assert.equal(s.lines.length, 1);
    assert.match(s.lines[0]!, /^PROXY protocol: refused \('127\.0\.0\.1', \d+\): not a trusted balancer$/);
    assert.equal(s.server.handled, 0);
  } finally {
    await s.close();
  }
});

test("ProxyProtocol checks its options up front, naming the one that is wrong", () => {
  assert.throws(() => new ProxyProtocol({} as never), {
    name: "TypeError",
    message: "trusted must be an array of addresses or CIDR blocks",
  });
  assert.throws(() => new ProxyProtocol({ trusted: ["localhost"] }), {
    name: "TypeError",
    message: 'trusted: "localhost" is not an IP address or CIDR block',
  });
  assert.throws(() => new ProxyProtocol({ trusted: ["10.0.0.0/33"] }), { name: "TypeError" });
  assert.throws(() => new ProxyProtocol({ trusted: [], timeout: 0 }), {
    name: "RangeError",
    message: "timeout must be a number of seconds > 0, got 0",
  });
  assert.throws(() => new ProxyProtocol({ trusted: [], maxLength: 100 }), { name: "RangeError" });
  const p = new ProxyProtocol({ trusted: ["127.0.0.1", "fd00::/8"] });
  assert.deepEqual(
    [
      p.isTrusted(["127.0.0.1", 1]),
      p.isTrusted(["::ffff:127.0.0.1", 1, 0, 0]),
      p.isTrusted(["127.0.0.2", 1]),
      p.isTrusted(["fd12::1", 1, 0, 0]),
      p.isTrusted(""),
    ],
    [true, true, false, true, true],
  );
});
