// AbortSignal on the socket layer's waiting calls: Node's AbortError, an already-aborted signal rejecting at
// once, and an abort that frees its readiness wait (counted in the poller, and on the signal's listeners).
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { open, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AbortError, AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_SNDBUF, Socket, socketpair } from "../../src/index.js";
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
