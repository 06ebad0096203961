// The socketserver framework: construction, settings reaching the kernel, the request chain and its hooks.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readTcpSockets } from "../../src/kernel/proc-net-tcp.js";
import {
  BaseRequestHandler,
  IPPROTO_TCP,
  StreamRequestHandler,
  TCP_NODELAY,
  createConnection,
  OSError,
  RuntimeError,
  Socket,
  TCPServer,
  ThreadingTCPServer,
  type Address,
} from "../../src/index.js";
import { runHandler } from "../../src/server/request-handlers.js";
import { E } from "../../src/socket/errors.js";
import { stillPending, waitFor, within } from "../helpers/wait.js";

class EchoHandler extends BaseRequestHandler {
  override async handle(): Promise<void> {
    for (;;) {
      const msg = await this.request.recv(1024);
      if (msg.length === 0) break;
      await this.request.sendall(msg);
    }
  }
}

async function roundTrip(address: readonly [string, number], text: string): Promise<string> {
  const c = await createConnection(address);
  try {
    await c.sendall(Buffer.from(text));
    return (await c.recv(1024)).toString();
  } finally {
    c.close();
  }
}

test("the constructor binds and listens; serverAddress is the real address; a port in use throws from it", async () => {
  const server = new ThreadingTCPServer(["127.0.0.1", 0], EchoHandler);
  const [host, port] = server.serverAddress;
  assert.equal(host, "127.0.0.1");
  assert.ok(port > 0);
  assert.throws(
    () => new TCPServer(["127.0.0.1", port], EchoHandler),
    (e: unknown) => e instanceof OSError && e.errno === E.EADDRINUSE,
  );
  const serving = server.serveForever(0.05);
  assert.equal(await roundTrip(server.serverAddress, "ping"), "ping");
  await server.shutdown();
  await serving;
  await server.serverClose();
  assert.equal(server.socket.fd, -1);
});

test("requestQueueSize reaches listen(): a server not yet serving holds exactly requestQueueSize + 1 connections", async () => {
  class SmallQueue extends TCPServer {
    static override requestQueueSize = 3;
  }
  const server = new SmallQueue(["127.0.0.1", 0], EchoHandler);
  const [, port] = server.serverAddress;
  const clients = Array.from({ length: 8 }, () => new Socket());
  let connected = 0;
  for (const c of clients)
    void c.connect(server.serverAddress).then(
      () => connected++,
      () => {},
    );
  try {
    await waitFor("four completed handshakes", () => (connected >= 4 ? true : undefined));
    await waitFor("the accept queue at 4", () =>
      readTcpSockets().find((e) => e.state === "LISTEN" && e.localPort === port)?.rxQueue === 4 ? true : undefined,
    );
    assert.equal(connected, 4);
  } finally {
    for (const c of clients) c.close();
    await server.serverClose();
  }

  // An instance's own value, set before serverActivate(), works too.
  const manual = new TCPServer(["127.0.0.1", 0], EchoHandler, false);
  manual.requestQueueSize = 1;
  manual.serverBind();
  manual.serverActivate();
  assert.equal(manual.requestQueueSize, 1);
  assert.equal(TCPServer.requestQueueSize, 5, "the class default is untouched");
  await manual.serverClose();
});

test("shutdown() from outside and from a handler; serveForever may run again", async () => {
  class StopHandler extends BaseRequestHandler {
    override async handle(): Promise<void> {
      const msg = await this.request.recv(100);
      if (msg.toString() === "stop") await this.server_().shutdown();
      await this.request.sendall(Buffer.from("ok"));
    }
    server_(): ThreadingTCPServer {
      return this.server as ThreadingTCPServer;
    }
  }
  const server = new ThreadingTCPServer(["127.0.0.1", 0], StopHandler);
  try {
    let serving = server.serveForever(10);
    await server.shutdown(); // from outside: resolves once the loop has returned, without waiting a poll interval
    await within(1000, "serveForever to return", serving);

    serving = server.serveForever(10);
    assert.equal(await roundTrip(server.serverAddress, "hello"), "ok");
    assert.equal(await roundTrip(server.serverAddress, "stop"), "ok", "shutdown() inside a handler does not deadlock");
    await within(2000, "serveForever to return after a handler's shutdown", serving);

    serving = server.serveForever(0.05);
    assert.equal(await roundTrip(server.serverAddress, "again"), "ok");
    await server.shutdown();
    await serving;
  } finally {
    await server.serverClose();
  }
});

test("a second concurrent serveForever() rejects with RuntimeError; the first loop serves on and one shutdown() ends it", async () => {
  const server = new TCPServer(["127.0.0.1", 0], EchoHandler);
  try {
    const serving = server.serveForever(10);
    // Bounded: a second loop that ran instead would never settle.
    await assert.rejects(within(1000, "the second serveForever() to settle", server.serveForever(10)), {
      name: "RuntimeError",
      message: "serveForever() is already running on this server",
    });
    await assert.rejects(within(1000, "a third serveForever() to settle", server.serveForever(10)), RuntimeError);
    assert.equal(await roundTrip(server.serverAddress, "still"), "still", "the first loop still serves");
    await server.shutdown();
    await within(1000, "the one loop to return after one shutdown()", serving);
    // The refusal was about the running loop, not the server: once it has returned, serveForever() may run again.
    const again = server.serveForever(10);
    assert.equal(await roundTrip(server.serverAddress, "again"), "again");
    await server.shutdown();
    await within(1000, "the second loop to return", again);
  } finally {
    await server.serverClose();
  }
});

test("handleRequest() waits for a request with its timeout, then calls handleTimeout()", async () => {
  let timeouts = 0;
  const waits: Array<[number | null, boolean]> = [];
  class Timed extends TCPServer {
    static override timeout = 0.1;
    override handleTimeout(): void {
      timeouts++;
    }
    /** Records each wait: the timeout it was given and whether a request came. */
    protected override async waitForRequest(timeout: number | null, signal?: AbortSignal): Promise<boolean> {
      const ready = await super.waitForRequest(timeout, signal);
      waits.push([timeout, ready]);
      return ready;
    }
  }
  const server = new Timed(["127.0.0.1", 0], EchoHandler);
  try {
    await within(5000, "handleRequest() to time out", server.handleRequest());
    assert.equal(timeouts, 1);
    const [first] = waits;
    assert.ok(first![0]! > 0 && first![0]! <= 0.1, `the first wait was bounded by the timeout (${first![0]} s)`);
    assert.deepEqual(
      waits.map(([, ready]) => ready),
      waits.map(() => false),
      "no request came: each wait ran out",
    );
    waits.length = 0;
    const reply = roundTrip(server.serverAddress, "one request");
    await server.handleRequest();
    assert.equal(await reply, "one request");
    assert.equal(timeouts, 1);
  } finally {
    await server.serverClose();
  }
});

test("verifyRequest() returning false closes the connection without calling the handler", async () => {
  let handled = 0;
  class Counting extends EchoHandler {
    override async handle(): Promise<void> {
      handled++;
      await super.handle();
    }
  }
  class Picky extends ThreadingTCPServer {
    override verifyRequest(): boolean {
      return false;
    }
  }
  const server = new Picky(["127.0.0.1", 0], Counting);
  const serving = server.serveForever(0.05);
  try {
    const c = await createConnection(server.serverAddress);
    assert.equal((await within(2000, "EOF", c.recv(10))).length, 0);
    c.close();
    assert.equal(handled, 0);
  } finally {
    await server.shutdown();
    await serving;
    await server.serverClose();
  }
});

test("a handler's lifecycle is Python's: setup (waited for, a thenable too), then handle, then finish even after a throw, whose own error wins; a failed setup runs neither", async () => {
  const events: string[] = [];
  const thenable = { then: (resolve: () => void) => setTimeout(() => (events.push("setup done"), resolve()), 1) };
  class Lifecycle extends BaseRequestHandler<unknown, ["h", 0]> {
    override setup(): Promise<void> {
      events.push("setup");
      return thenable as unknown as Promise<void>;
    }
    override async handle(): Promise<void> {
      events.push("handle");
      throw new Error("from handle");
    }
    override finish(): void {
      events.push("finish");
      throw new Error("from finish");
    }
  }
  await assert.rejects(runHandler(new Lifecycle(null, ["h", 0], null)), /from finish/);
  assert.deepEqual(events, ["setup", "setup done", "handle", "finish"]);

  events.length = 0;
  class FailedSetup extends Lifecycle {
    override setup(): Promise<void> {
      events.push("setup");
      throw new Error("from setup");
    }
  }
  await assert.rejects(runHandler(new FailedSetup(null, ["h", 0], null)), /from setup/);
  assert.deepEqual(events, ["setup"]);
});

test("a throwing handler reaches handleError (after finish) while other clients are served", async () => {
  const events: string[] = [];
  class Fragile extends BaseRequestHandler {
    override async handle(): Promise<void> {
      const msg = (await this.request.recv(100)).toString();
      if (msg === "boom") throw new Error("handler failed");
      await this.request.sendall(Buffer.from(msg));
    }
    override finish(): void {
      events.push("finish");
    }
  }
  class Reporting extends ThreadingTCPServer {
    override handleError(_request: unknown, clientAddress: Address, error: unknown): void {
      events.push(`error from ${typeof clientAddress}: ${(error as Error).message}`);
    }
  }
  const server = new Reporting(["127.0.0.1", 0], Fragile);
  const serving = server.serveForever(0.05);
  try {
    const bad = await createConnection(server.serverAddress);
    await bad.sendall(Buffer.from("boom"));
    assert.equal((await bad.recv(10)).length, 0, "the failing connection is closed");
    bad.close();
    assert.equal(await roundTrip(server.serverAddress, "fine"), "fine");
    assert.deepEqual(events.slice(0, 2), ["finish", "error from object: handler failed"]);
  } finally {
    await server.shutdown();
    await serving;
    await server.serverClose();
  }
});

test("the default handleError prints Python's framed block with the client address, and the server carries on", async () => {
  class Fails extends BaseRequestHandler {
    override handle(): void {
      throw new TypeError("bad thing");
    }
  }
  const server = new ThreadingTCPServer(["127.0.0.1", 0], Fails);
  const serving = server.serveForever(0.05);
  const written: string[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- saved only to be put back on process.stderr
  const write = process.stderr.write;
  process.stderr.write = (chunk: string) => {
    written.push(String(chunk));
    return true;
  };
  try {
    const c = await createConnection(server.serverAddress);
    const [, cport] = c.getsockname() as [string, number];
    assert.equal((await c.recv(10)).length, 0);
    c.close();
    await waitFor("the error report", () => (written.length > 0 ? true : undefined));
    const text = written.join("");
    assert.match(
      text,
      new RegExp(`^-{40}\\nException occurred during processing of request from \\('127\\.0\\.0\\.1', ${cport}\\)\\n`),
    );
    assert.match(text, /TypeError: bad thing/);
    assert.match(text, /\n-{40}\n$/);
  } finally {
    process.stderr.write = write;
    await server.shutdown();
    await serving;
    await server.serverClose();
  }
});

test("serverClose() waits for running handlers with blockOnClose, and not without", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  class Slow extends BaseRequestHandler {
    override async handle(): Promise<void> {
      await this.request.recv(10);
      await gate;
    }
  }
  for (const blockOnClose of [true, false]) {
    const server = new ThreadingTCPServer(["127.0.0.1", 0], Slow);
    server.blockOnClose = blockOnClose;
    const serving = server.serveForever(0.05);
    const c = await createConnection(server.serverAddress);
    await c.sendall(Buffer.from("x"));
    await waitFor("the handler to start", () => (server.threads.size > 0 || !blockOnClose ? true : undefined));
    await server.shutdown();
    await serving;
    const closing = server.serverClose();
    if (blockOnClose) {
      assert.ok(await stillPending(closing, 100), "serverClose waits for the handler");
      release();
    }
    await within(2000, "serverClose", closing);
    c.close();
  }
});

test("StreamRequestHandler applies its static timeout and disableNagleAlgorithm to the connection", async () => {
  const seen: string[] = [];
  class Strict extends StreamRequestHandler {
    static override timeout = 0.2;
    static override disableNagleAlgorithm = true;
    override async handle(): Promise<void> {
      seen.push(
        `nodelay=${this.connection.getsockopt(IPPROTO_TCP, TCP_NODELAY)} timeout=${this.connection.gettimeout()}`,
      );
      await this.rfile.readline(); // the client sends nothing: the timeout ends the wait
    }
  }
  class Recording extends ThreadingTCPServer {
    override handleError(_request: unknown, _address: Address, error: unknown): void {
      seen.push((error as Error).name);
    }
  }
  const server = new Recording(["127.0.0.1", 0], Strict);
  const serving = server.serveForever(0.05);
  const c = await createConnection(server.serverAddress);
  try {
    assert.equal((await within(3000, "the server to give up", c.recv(10))).length, 0);
    assert.deepEqual(seen, ["nodelay=1 timeout=0.2", "TimeoutError"]);
  } finally {
    c.close();
    await server.shutdown();
    await serving;
    await server.serverClose();
  }
});

test("out of descriptors, serveForever backs off instead of spinning, and serves again once they are back", async () => {
  const { replaceSyscall } = await import("../../src/libc/syscalls.js");
  const server = new ThreadingTCPServer(["127.0.0.1", 0], EchoHandler);
  const serving = server.serveForever(0.05);
  let attempts = 0;
  const restore = replaceSyscall("accept4", () => {
    attempts++;
    return -E.EMFILE;
  });
  try {
    const c = await createConnection(server.serverAddress);
    await waitFor("a few failed accepts", () => (attempts >= 3 ? true : undefined));
    // A loop that spun would try again on every turn of the event loop; one that backs off waits for its timer.
    const before = attempts;
    for (let turn = 0; turn < 200; turn++) await new Promise((r) => setImmediate(r));
    assert.ok(attempts - before <= 10, `accept4 was tried ${attempts - before} times in 200 turns of the event loop`);
    restore();
    await c.sendall(Buffer.from("after"));
    assert.equal((await within(3000, "the echo", c.recv(10))).toString(), "after");
    c.close();
  } finally {
    restore();
    await server.shutdown();
    await serving;
    await server.serverClose();
  }
});
