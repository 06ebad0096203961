// Socket.asStream(): a Node Duplex with backpressure both ways (counted, not timed), half-close, errors and
// destroy() mapped both ways, the ownership rules, and stream.pipeline through zlib.
import assert from "node:assert/strict";
import { once } from "node:events";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip, gzipSync } from "node:zlib";
import { test } from "node:test";
import { ConnectionResetError, SOL_SOCKET, SO_LINGER, SO_RCVBUF, SO_SNDBUF, Socket } from "../../src/index.js";
import { waiterCount } from "../../src/libc/poller.js";
import { replaceSyscall, sys } from "../../src/libc/syscalls.js";
import { tcpPair } from "../helpers/pairs.js";
import { waitFor, within } from "../helpers/wait.js";

/** Reads `stream` to its end. */
async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

test("a slow reader stops the stream reading from the kernel: the peer's sendall() waits", async () => {
  const pair = await tcpPair();
  let recvCalls = 0;
  const original = sys.recv;
  const restore = replaceSyscall("recv", (...args) => {
    recvCalls++;
    return original(...args);
  });
  try {
    const baseline = waiterCount();
    const stream = pair.server.asStream({ highWaterMark: 16384, readSize: 4096 });
    stream.read(0); // asks for data once, without consuming it: the stream fills up to its high-water mark
    const total = 8 * 1024 * 1024;
    const sending = pair.client.sendall(Buffer.alloc(total, 1));
    // The stream's buffer is full and it has no read waiting; the only wait left is the writer's, for room.
    await waitFor("the stream to stop reading and the writer to wait", () =>
      stream.readableLength >= 16384 && waiterCount() === baseline + 1 ? true : undefined,
    );
    const callsWhenFull = recvCalls;
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(recvCalls, callsWhenFull, "no recv() while the reader is slow");
    assert.ok(stream.readableLength <= 16384 + 4096, `buffered ${stream.readableLength}`);
    stream.resume();
    let received = 0;
    stream.on("data", (chunk: Buffer) => (received += chunk.length));
    await within(20000, "the writer to finish once the reader reads", sending);
    pair.client.shutdown(1);
    await within(10000, "the stream's end", once(stream, "end"));
    assert.equal(received, total);
  } finally {
    restore();
    pair.close();
  }
});

test("a slow peer pauses the writer: write() returns false, and 'drain' comes once the peer reads", async () => {
  const pair = await tcpPair();
  try {
    pair.client.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    pair.server.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
    const stream = pair.client.asStream({ highWaterMark: 16384 });
    const chunk = Buffer.alloc(16384, 2);
    let written = 0;
    let writes = 0;
    while (stream.write(chunk)) {
      written += chunk.length;
      assert.ok(++writes < 1000, "write() never said to wait");
      await new Promise((r) => setImmediate(r));
    }
    written += chunk.length;
    assert.ok(stream.writableLength > 0, "bytes wait in the stream, not in an unbounded queue");
    const drained = once(stream, "drain");
    let received = 0;
    while (received < written) received += (await within(5000, "recv", pair.server.recv(65536))).length;
    await within(5000, "drain", drained);
    stream.end();
    assert.equal((await within(5000, "EOF after end()", pair.server.recv(10))).length, 0);
    assert.equal(received, written);
  } finally {
    pair.close();
  }
});

test("half-close: end() is shutdown(SHUT_WR), and the peer's EOF is 'end' with writes still possible", async () => {
  const pair = await tcpPair();
  try {
    const stream = pair.server.asStream();
    pair.client.shutdown(1);
    stream.resume();
    await within(5000, "'end' on the peer's EOF", once(stream, "end"));
    assert.ok(!stream.writableEnded, "the writable side stays open (allowHalfOpen)");
    stream.end("bye");
    const reply = await within(5000, "the reply", pair.client.recv(10));
    assert.equal(reply.toString(), "bye");
    assert.equal((await within(5000, "EOF", pair.client.recv(10))).length, 0);
    await within(5000, "'close'", once(stream, "close"));
    assert.ok(pair.server.closed, "the stream closed its socket when both sides ended");
  } finally {
    pair.close();
  }
});

test("a reset by the peer destroys the stream with ConnectionResetError", async () => {
  const pair = await tcpPair();
  try {
    const stream = pair.server.asStream();
    stream.resume();
    const errored = once(stream, "error");
    const linger = Buffer.alloc(8);
    linger.writeInt32LE(1, 0);
    pair.client.setsockopt(SOL_SOCKET, SO_LINGER, linger);
    pair.client.close();
    const [err] = (await within(5000, "'error'", errored)) as [Error];
    assert.ok(err instanceof ConnectionResetError, String(err));
    assert.ok(stream.destroyed);
  } finally {
    pair.close();
  }
});

test("destroy() cancels the read in flight and closes the socket; keepOpen leaves it to its owner", async () => {
  const pair = await tcpPair();
  try {
    const baseline = waiterCount();
    const stream = pair.server.asStream();
    stream.resume();
    await waitFor("the stream's read to wait", () => (waiterCount() > baseline ? true : undefined));
    stream.destroy();
    await within(5000, "'close'", once(stream, "close"));
    assert.equal(waiterCount(), baseline, "the read's readiness wait is gone");
    assert.ok(pair.server.closed);

    const kept = pair.client.asStream({ keepOpen: true });
    kept.destroy();
    await within(5000, "'close'", once(kept, "close"));
    assert.ok(!pair.client.closed, "keepOpen: the socket stays open");
  } finally {
    pair.close();
  }
});

test("close() of the socket while its stream is open waits for the stream, as for makefile()", async () => {
  const pair = await tcpPair();
  try {
    const stream = pair.server.asStream();
    pair.server.close();
    assert.ok(!pair.server.closed, "the fd stays open while the stream is");
    await pair.client.sendall(Buffer.from("still here"));
    const [chunk] = (await within(5000, "data", once(stream, "data"))) as [Buffer];
    assert.equal(chunk.toString(), "still here");
    stream.destroy();
    await within(5000, "'close'", once(stream, "close"));
    assert.ok(pair.server.closed);
  } finally {
    pair.close();
  }
});

test("pipeline() through zlib both ways: gzip out over the socket, gunzip in from it", async () => {
  const pair = await tcpPair();
  try {
    const text = Buffer.from("socketkit ".repeat(50000));
    const out = pipeline(Readable.from([text]), createGzip(), pair.client.asStream());
    const received = readAll(pair.server.asStream().pipe(createGunzip()));
    await within(10000, "the gzip pipeline", out);
    assert.deepEqual(await within(10000, "the gunzip side", received), text);

    const a = await tcpPair();
    const parts: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        parts.push(chunk);
        cb();
      },
    });
    const back = pipeline(a.server.asStream(), createGunzip(), sink);
    await a.client.sendall(gzipSync(text));
    a.client.shutdown(1);
    await within(10000, "pipeline(sock.asStream(), gunzip, sink)", back);
    assert.deepEqual(Buffer.concat(parts), text);
    a.close();
  } finally {
    pair.close();
  }
});

test("asStream() refuses a datagram or non-blocking socket", () => {
  const udp = new Socket(2, 2);
  const tcp = new Socket();
  try {
    assert.throws(() => udp.asStream(), { name: "TypeError" });
    tcp.setblocking(false);
    assert.throws(() => tcp.asStream(), { name: "RangeError" });
  } finally {
    udp.close();
    tcp.close();
  }
});
