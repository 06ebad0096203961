// ProxyProtocolMixIn replaces one seam, admitRequest(): without it a PROXY header is the connection's own data, with
// it the handler sees the client the header names; its policy is a setting (static or per instance); and a
// header still being read is a pending task that a hand-over's drain waits for.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BaseRequestHandler,
  buildProxyHeader,
  createConnection,
  drainRequests,
  ProxyProtocol,
  ProxyProtocolMixIn,
  ThreadingTCPServer,
  type Socket,
} from "../../src/index.js";
import { stillPending, waitFor, within } from "../helpers/wait.js";

/** Answers with the client address it was given and the connection's first bytes. */
class Tell extends BaseRequestHandler {
  override async handle(): Promise<void> {
    const first = await this.request.recv(1024);
    await this.request.sendall(Buffer.from(`${JSON.stringify(this.clientAddress)} ${first.toString()}`));
  }
}

async function serving<S extends ThreadingTCPServer>(server: S, body: (port: number) => Promise<void>): Promise<void> {
  const loop = server.serveForever(0.05);
  try {
    await body(server.serverAddress[1]);
  } finally {
    await server.shutdown();
    await loop;
    await server.serverClose();
  }
}

async function ask(port: number, bytes: Buffer): Promise<string> {
  const c: Socket = await createConnection(["127.0.0.1", port]);
  c.settimeout(5);
  try {
    await c.sendall(bytes);
    return (await within(5000, "the answer", c.recv(1024))).toString();
  } finally {
    c.close();
  }
}

const header = buildProxyHeader(1, ["203.0.113.7", 40000], ["127.0.0.1", 80]);
const request = Buffer.concat([header, Buffer.from("GET")]);

test("without the mix-in the header reaches the handler as data; with it (by default a local balancer is trusted) the handler sees the client it names", async () => {
  await serving(new ThreadingTCPServer(["127.0.0.1", 0], Tell), async (port) => {
    const plain = await ask(port, request);
    assert.match(plain, /^\["127\.0\.0\.1",\d+\] PROXY TCP4 203\.0\.113\.7 /);
  });
  const Proxied = ProxyProtocolMixIn(ThreadingTCPServer);
  assert.deepEqual(Proxied.proxyProtocol.trusted, ["127.0.0.1", "::1"]);
  await serving(new Proxied(["127.0.0.1", 0], Tell), async (port) => {
    assert.equal(await ask(port, request), '["203.0.113.7",40000] GET');
  });
});

test("an instance's own proxyProtocol overrides the class's: a loopback peer is then refused, with one log line", async () => {
  const lines: string[] = [];
  const server = new (ProxyProtocolMixIn(ThreadingTCPServer))(["127.0.0.1", 0], Tell);
  server.proxyProtocol = new ProxyProtocol({ trusted: ["10.0.0.0/8"], log: (line) => lines.push(line) });
  await serving(server, async (port) => {
    assert.equal(await ask(port, request), "", "closed without an answer");
    await waitFor("the log line", () => (lines.length > 0 ? true : undefined));
    assert.match(lines[0]!, /^PROXY protocol: refused \('127\.0\.0\.1', \d+\): not a trusted balancer$/);
  });
});

test("a header still arriving is pending: drainRequests() waits for it and for the request it leads to", async () => {
  const server = new (ProxyProtocolMixIn(ThreadingTCPServer))(["127.0.0.1", 0], Tell);
  await serving(server, async (port) => {
    const c: Socket = await createConnection(["127.0.0.1", port]);
    c.settimeout(5);
    try {
      await c.sendall(header.subarray(0, 10));
      await waitFor("the header to be pending", () => (server.pendingHeaders.size === 1 ? true : undefined));
      const drained = drainRequests(server, 10_000);
      assert.ok(await stillPending(drained, 100), "the drain waits while the header is incomplete");
      await c.sendall(Buffer.concat([header.subarray(10), Buffer.from("late")]));
      assert.equal((await c.recv(1024)).toString(), '["203.0.113.7",40000] late');
      assert.equal(await within(5000, "the drain", drained), true);
      assert.equal(server.pendingHeaders.size, 0);
    } finally {
      c.close();
    }
  });
});
