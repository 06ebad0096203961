// Python's timeouts: null waits, 0 is non-blocking (BlockingIOError), a number of seconds gives TimeoutError.
import assert from "node:assert/strict";
import { test } from "node:test";
import { E } from "../../src/socket/errors.js";
import {
  AF_INET,
  BlockingIOError,
  getdefaulttimeout,
  setdefaulttimeout,
  Socket,
  TimeoutError,
} from "../../src/index.js";
import { readTcpSockets } from "../../src/kernel/proc-net-tcp.js";
import { replaceSyscall, sys } from "../../src/libc/syscalls.js";
import { tcpPair } from "../helpers/pairs.js";
import { waitFor } from "../helpers/wait.js";

function listener(backlog = 5): Socket<typeof AF_INET> {
  const s = new Socket();
  s.bind(["127.0.0.1", 0]);
  s.listen(backlog);
  return s;
}

/** A listener whose queue is full, so further SYNs are dropped: a connect to it hangs like one to a blackhole. */
async function blackhole(): Promise<{ address: [string, number]; close(): void }> {
  const full = listener(0);
  const filler = new Socket();
  await filler.connect(full.getsockname());
  return {
    address: full.getsockname(),
    close() {
      filler.close();
      full.close();
    },
  };
}

/** Counts the accept4(2) calls made while it is installed: how often a waiting accept tried the kernel. */
function countAccepts(): { readonly calls: number; restore(): void } {
  const original = sys.accept4;
  const counter = { calls: 0, restore: () => {} };
  counter.restore = replaceSyscall("accept4", (...args) => {
    counter.calls++;
    return original(...args);
  });
  return counter;
}

test("accept: non-blocking rejects at once with EAGAIN, a timeout rejects with 'timed out' and leaves the queue", async () => {
  const s = listener();
  const accepts = countAccepts();
  try {
    s.setblocking(false);
    assert.equal(s.getblocking(), false);
    assert.equal(s.gettimeout(), 0);
    await assert.rejects(
      s.accept(),
      (e: unknown) =>
        e instanceof BlockingIOError &&
        e.errno === E.EAGAIN &&
        e.message === "[Errno 11] Resource temporarily unavailable",
    );
    assert.equal(accepts.calls, 1, "a non-blocking accept asks the kernel once");
    s.settimeout(0.2);
    await assert.rejects(
      s.accept(),
      (e: unknown) => e instanceof TimeoutError && e.message === "timed out" && e.errno === null,
    );
    // The deadline ended a wait for readiness: one try, no polling (how long it took: test/sequential/socket).
    assert.equal(accepts.calls, 2, "the timed-out accept tried once, then waited");
    const client = new Socket();
    await client.connect(s.getsockname());
    const [conn] = await s.accept();
    assert.equal(accepts.calls, 3, "a connection after the timeout is the next accept's, at its first try");
    conn.close();
    client.close();
  } finally {
    accepts.restore();
    s.close();
  }
});

test("connect to a full backlog: EINPROGRESS when non-blocking, TimeoutError with a timeout, EAGAIN from connectEx", async () => {
  const hole = await blackhole();
  const a = new Socket();
  const b = new Socket();
  const c = new Socket();
  try {
    a.setblocking(false);
    await assert.rejects(
      a.connect(hole.address),
      (e: unknown) => e instanceof BlockingIOError && e.errno === E.EINPROGRESS,
    );
    b.settimeout(0.2);
    await assert.rejects(b.connect(hole.address), { name: "TimeoutError", message: "timed out" });
    c.settimeout(0.1);
    assert.equal(await c.connectEx(hole.address), E.EAGAIN);
  } finally {
    for (const s of [a, b, c]) s.close();
    hole.close();
  }
});

test("recv: non-blocking and timed-out reads, then data still arrives", async () => {
  const p = await tcpPair();
  try {
    p.server.setblocking(false);
    await assert.rejects(p.server.recv(10), (e: unknown) => e instanceof BlockingIOError && e.errno === E.EAGAIN);
    p.server.settimeout(0.1);
    await assert.rejects(p.server.recv(10), TimeoutError);
    await p.client.sendall(Buffer.from("late"));
    p.server.settimeout(2);
    assert.equal((await p.server.recv(10)).toString(), "late");
  } finally {
    p.close();
  }
});

test("a non-blocking recv takes the bytes straight from the kernel receive queue", async () => {
  const p = await tcpPair();
  try {
    p.server.setblocking(false);
    await p.client.sendall(Buffer.from("now"));
    // The server has not read yet, so the bytes sit in its kernel receive queue: wait until the kernel says so.
    const [, port] = p.server.getsockname();
    const [, cport] = p.client.getsockname();
    await waitFor("the bytes in the receive queue", () =>
      (readTcpSockets().find((e) => e.localPort === port && e.remotePort === cport)?.rxQueue ?? 0) === 3
        ? true
        : undefined,
    );
    assert.equal((await p.server.recv(10)).toString(), "now", "the first non-blocking recv returns them");
  } finally {
    p.close();
  }
});

test("setdefaulttimeout applies to sockets made afterwards", () => {
  const previous = getdefaulttimeout();
  try {
    setdefaulttimeout(1.5);
    const s = new Socket();
    assert.equal(s.gettimeout(), 1.5);
    s.close();
  } finally {
    setdefaulttimeout(previous);
  }
  assert.throws(() => setdefaulttimeout(-1), RangeError);
});
