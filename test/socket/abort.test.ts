// AbortSignal on the socket layer's waiting calls: Node's AbortError, an already-aborted signal rejecting at
// once, and an abort that frees its readiness wait (counted in the poller, and on the signal's listeners).
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { open, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readdirSync } from "node:fs";
import {
  AbortError,
  AF_INET,
  createConnection,
  DefaultSelector,
  EVENT_READ,
  select,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_SNDBUF,
  Socket,
  socketpair,
} from "../../src/index.js";
import { waiterCount } from "../../src/libc/poller.js";
import { tcpPair } from "../helpers/pairs.js";
import { waitFor, within } from "../helpers/wait.js";

/** Checks that `promise` rejects with Node's AbortError carrying `reason`. */
async function rejectsAborted(promise: Promise<unknown>, reason: unknown): Promise<AbortError> {
  const err = await within(
    5000,
    "the aborted call",
    promise.then(
      () => assert.fail("the call resolved"),
      (e: unknown) => e,
    ),
  );
  assert.ok(err instanceof AbortError, `expected an AbortError, got ${String(err)}`);
  assert.equal(err.name, "AbortError");
  assert.equal(err.code, "ABORT_ERR");
  assert.equal(err.cause, reason);
  return err;
}

/** Waits until some call is parked on the readiness driver (the abort must find it there). */
async function parked(baseline: number): Promise<void> {
  await waitFor("a call waiting for readiness", () => (waiterCount() > baseline ? true : undefined));
}

test("an aborted recv() rejects with AbortError, frees its wait, and leaves the data for the next recv()", async () => {
  const pair = await tcpPair();
  try {
    const baseline = waiterCount();
    const controller = new AbortController();
    const reason = new Error("user gave up");
    const pending = pair.server.recv(100, { signal: controller.signal });
    await parked(baseline);
    controller.abort(reason);
    await rejectsAborted(pending, reason);
    assert.equal(waiterCount(), baseline, "the readiness wait is gone");
    assert.equal(getEventListeners(controller.signal, "abort").length, 0, "no listener left on the signal");
    await pair.client.sendall(Buffer.from("after"));
    assert.equal((await within(5000, "recv", pair.server.recv(100, 0, {}))).toString(), "after");
  } finally {
    pair.close();
  }
});

test("an already-aborted signal rejects at once without touching the socket", async () => {
  const pair = await tcpPair();
  try {
    await pair.client.sendall(Buffer.from("kept"));
    const reason = "stop";
    const signal = AbortSignal.abort(reason);
    await rejectsAborted(pair.server.recv(100, { signal }), reason);
    await rejectsAborted(pair.server.recvInto(Buffer.alloc(10), 0, 0, { signal }), reason);
    await rejectsAborted(pair.server.recvmsg(10, { signal }), reason);
    await rejectsAborted(pair.client.send(Buffer.from("x"), { signal }), reason);
    await rejectsAborted(pair.client.sendall(Buffer.from("x"), 0, { signal }), reason);
    await rejectsAborted(pair.server.recvfrom(10, 0, { signal }), reason);
    await rejectsAborted(pair.server.recvfromInto(Buffer.alloc(10), { signal }), reason);
    await rejectsAborted(pair.server.recvmsgInto([Buffer.alloc(10)], 0, 0, { signal }), reason);
    await rejectsAborted(pair.client.sendmsg([Buffer.from("x")], [], 0, undefined, { signal }), reason);
    await rejectsAborted(pair.client.sendfile(0, { signal }), reason);
    await rejectsAborted(pair.listener.accept({ signal }), reason);
    const late = new Socket();
    await rejectsAborted(late.connect(pair.listener.getsockname(), { signal }), reason);
    await rejectsAborted(late.connectEx(pair.listener.getsockname(), { signal }), reason);
    late.close();
    // Nothing was read or sent: the bytes queued before are all there is.
    await pair.client.sendall(Buffer.from("!"));
    assert.equal((await pair.server.recv(100)).toString(), "kept!");
  } finally {
    pair.close();
  }
});

test("an aborted accept() leaves the next connection to the next accept()", async () => {
  const pair = await tcpPair();
  try {
    const baseline = waiterCount();
    const controller = new AbortController();
    const pending = pair.listener.accept({ signal: controller.signal });
    await parked(baseline);
    controller.abort();
    await rejectsAborted(pending, controller.signal.reason);
    assert.equal(waiterCount(), baseline);
    const client = new Socket();
    const accepting = pair.listener.accept();
    await client.connect(pair.listener.getsockname());
    const [conn] = await within(5000, "accept", accepting);
    conn.close();
    client.close();
  } finally {
    pair.close();
  }
});

test("a cancelled sendall() has sent exactly the bytesSent it reports", async () => {
  const pair = await tcpPair();
  try {
    pair.client.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    const data = Buffer.alloc(8 * 1024 * 1024, 7);
    const baseline = waiterCount();
    const controller = new AbortController();
    const pending = pair.client.sendall(data, { signal: controller.signal });
    await parked(baseline);
    controller.abort();
    const err = await rejectsAborted(pending, controller.signal.reason);
    assert.equal(typeof err.bytesSent, "number");
    assert.ok(err.bytesSent! > 0 && err.bytesSent! < data.length, `bytesSent ${err.bytesSent}`);
    pair.client.shutdown(1);
    let received = 0;
    for (;;) {
      const chunk = await within(5000, "drain", pair.server.recv(1 << 20));
      if (chunk.length === 0) break;
      received += chunk.length;
    }
    assert.equal(received, err.bytesSent, "the peer got exactly what the AbortError reports");
  } finally {
    pair.close();
  }
});

test("recvfrom() on a datagram socket and connect() are cancelled too", async () => {
  const udp = new Socket(AF_INET, SOCK_DGRAM);
  const blackhole = new Socket();
  const filler = new Socket();
  try {
    udp.bind(["127.0.0.1", 0]);
    const baseline = waiterCount();
    const controller = new AbortController();
    const pending = udp.recvfrom(100, { signal: controller.signal });
    await parked(baseline);
    controller.abort();
    await rejectsAborted(pending, controller.signal.reason);
    assert.equal(waiterCount(), baseline);
    // A listener with a full queue drops SYNs: the handshake waits until the abort.
    blackhole.bind(["127.0.0.1", 0]);
    blackhole.listen(0);
    await filler.connect(blackhole.getsockname());
    const connecting = new AbortController();
    const late = new Socket();
    const connect = late.connect(blackhole.getsockname(), { signal: connecting.signal });
    await parked(baseline);
    connecting.abort();
    await rejectsAborted(connect, connecting.signal.reason);
    assert.equal(waiterCount(), baseline);
    late.close();
  } finally {
    udp.close();
    filler.close();
    blackhole.close();
  }
});

test("makefile readline() is cancelled and the next readline() still gets the whole line", async () => {
  const [a, b] = socketpair();
  const file = b.makefile("r");
  try {
    await a.sendall(Buffer.from("hal"));
    const baseline = waiterCount();
    const controller = new AbortController();
    const pending = file.readline(-1, { signal: controller.signal });
    await parked(baseline);
    controller.abort();
    await rejectsAborted(pending, controller.signal.reason);
    await a.sendall(Buffer.from("f a line\n"));
    assert.equal(await within(5000, "readline", file.readline()), "half a line\n");
  } finally {
    await file.close();
    a.close();
    b.close();
  }
});

test("sendfile() is cancelled with the bytes it sent in bytesSent", async () => {
  const pair = await tcpPair();
  const path = join(tmpdir(), `socketkit-abort-${process.pid}.bin`);
  const handle = await open(path, "w+");
  try {
    await handle.write(Buffer.alloc(16 * 1024 * 1024, 1));
    pair.client.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    const baseline = waiterCount();
    const controller = new AbortController();
    const pending = pair.client.sendfile(handle, 0, null, { signal: controller.signal });
    await parked(baseline);
    controller.abort();
    const err = await rejectsAborted(pending, controller.signal.reason);
    assert.ok(err.bytesSent! > 0, `bytesSent ${err.bytesSent}`);
    assert.equal(waiterCount(), baseline);
  } finally {
    await handle.close();
    await unlink(path);
    pair.close();
  }
});

test("a signal that is not an AbortSignal is a TypeError naming it", async () => {
  const [a, b] = socketpair();
  try {
    await assert.rejects(a.recv(1, { signal: {} as AbortSignal }), { name: "TypeError", message: /options\.signal/ });
  } finally {
    a.close();
    b.close();
  }
});

test("a cancelled flush() of a makefile keeps what the kernel did not take, and the next flush sends it", async () => {
  const pair = await tcpPair();
  try {
    pair.client.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    const file = pair.client.makefile("wb", { buffering: 1 << 24 });
    const data = Buffer.alloc(8 * 1024 * 1024, 3);
    await file.write(data);
    const baseline = waiterCount();
    const controller = new AbortController();
    const flushing = file.flush({ signal: controller.signal });
    await parked(baseline);
    controller.abort();
    await rejectsAborted(flushing, controller.signal.reason);
    let received = 0;
    const draining = (async () => {
      for (;;) {
        const chunk = await pair.server.recv(1 << 20);
        if (chunk.length === 0) return;
        received += chunk.length;
      }
    })();
    await within(20000, "the second flush", file.flush());
    await file.close();
    pair.client.shutdown(1);
    await within(20000, "the drain", draining);
    assert.equal(received, data.length, "every byte arrived exactly once");
  } finally {
    pair.close();
  }
});

/** The waits of select.select, a poll object, a selector and an epoll object for `fd` to become readable. */
function readinessWaits(fd: Socket): [string, (options: { signal: AbortSignal }) => Promise<unknown>, () => void][] {
  const poller = select.poll();
  poller.register(fd, select.POLLIN);
  const selector = new DefaultSelector();
  selector.register(fd, EVENT_READ);
  const ep = select.epoll();
  ep.register(fd.fileno(), select.EPOLLIN);
  return [
    ["select.select", (options) => select.select([fd], [], [], null, options), () => {}],
    ["poll().poll", (options) => poller.poll(options), () => poller.unregister(fd)],
    ["a selector's select", (options) => selector.select(null, options), () => selector.close()],
    ["epoll.poll", (options) => ep.poll(null, -1, options), () => ep.close()],
  ];
}

test("select.select, poll().poll, a selector's select and epoll.poll are cancelled and free their waits", async () => {
  const [a, b] = socketpair();
  const waits = readinessWaits(b);
  try {
    for (const [name, wait] of waits) {
      const baseline = waiterCount();
      const controller = new AbortController();
      const reason = new Error(`${name} given up`);
      const pending = wait({ signal: controller.signal });
      await parked(baseline);
      controller.abort(reason);
      await rejectsAborted(pending, reason);
      assert.equal(waiterCount(), baseline, `${name}: the readiness wait is gone`);
      assert.equal(getEventListeners(controller.signal, "abort").length, 0, `${name}: no listener left`);
      // Already aborted: rejects at once, even with the fd ready (nothing is asked of the kernel).
      await a.sendall(Buffer.from("x"));
      await rejectsAborted(wait({ signal: AbortSignal.abort("again") }), "again");
      // And the same wait with a live signal still reports the fd as ready.
      const ready = await within(5000, name, wait({ signal: new AbortController().signal }));
      assert.ok(Array.isArray(ready) && ready.flat().length > 0, `${name}: ready after the abort`);
      assert.equal((await b.recv(10)).toString(), "x");
    }
  } finally {
    for (const [, , close] of waits) close();
    a.close();
    b.close();
  }
});

test("select.select and a selector's select take { signal } in place of the timeout", async () => {
  const [a, b] = socketpair();
  const selector = new DefaultSelector();
  try {
    selector.register(b, EVENT_READ);
    const signal = AbortSignal.abort("now");
    await rejectsAborted(select.select([b], [], [], { signal }), "now");
    await rejectsAborted(selector.select({ signal }), "now");
    await rejectsAborted(select.poll().poll({ signal }), "now");
    await rejectsAborted(select.epoll().poll({ signal }), "now");
    await assert.rejects(select.select([b], [], [], { signal }, { signal }), {
      name: "TypeError",
      message: "options must be the last argument",
    });
  } finally {
    selector.close();
    a.close();
    b.close();
  }
});

const openFds = () => readdirSync("/proc/self/fd").length;

test("createConnection() is cancelled during the handshake, closes its socket and tries no other address", async () => {
  // A listener with a full queue drops SYNs: the handshake waits until the abort.
  const blackhole = new Socket(AF_INET);
  const filler = new Socket(AF_INET);
  try {
    blackhole.bind(["127.0.0.1", 0]);
    blackhole.listen(0);
    await filler.connect(blackhole.getsockname());
    await rejectsAborted(createConnection(blackhole.getsockname(), { signal: AbortSignal.abort("early") }), "early");
    const fds = openFds();
    const baseline = waiterCount();
    const controller = new AbortController();
    const connecting = createConnection(blackhole.getsockname(), 30, undefined, { signal: controller.signal });
    await parked(baseline);
    controller.abort();
    await rejectsAborted(connecting, controller.signal.reason);
    assert.equal(waiterCount(), baseline, "the connect wait is gone");
    assert.equal(openFds(), fds, "the socket being connected was closed");
  } finally {
    filler.close();
    blackhole.close();
  }
});

test("createConnection()'s options may follow the address or the timeout: allErrors is read there", async () => {
  const closed = new Socket(AF_INET);
  closed.bind(["127.0.0.1", 0]);
  const address = closed.getsockname();
  try {
    // Bound but not listening: the connection is refused.
    await assert.rejects(createConnection(address, { allErrors: true }), AggregateError);
    await assert.rejects(createConnection(address, 5, { allErrors: true }), AggregateError);
    await assert.rejects(createConnection(address, 5), { name: "ConnectionRefusedError" });
  } finally {
    closed.close();
  }
});
