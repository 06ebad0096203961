// The data path's own promises, beyond what Python prints: one fd per connection, results that hold only their
// bytes, liveness only while waiting, registrations that go with their sockets, every libuv call in the table.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  AF_INET,
  AF_UNIX,
  createConnection,
  OSError,
  SOCK_DGRAM,
  SOCK_RAW,
  Socket,
  socketpair,
} from "../../src/index.js";
import { E } from "../../src/libc/errno.js";
import { registeredCount } from "../../src/libc/poller.js";
import { replaceSyscall } from "../../src/libc/syscalls.js";
import { tcpPair } from "../helpers/pairs.js";
import { openFdCount, within } from "../helpers/wait.js";

test("each connection costs exactly one descriptor on each side", async () => {
  const listener = new Socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen(128);
  const before = openFdCount();
  const clients = await Promise.all(Array.from({ length: 100 }, () => createConnection(listener.getsockname())));
  const accepted: Socket[] = [];
  for (let i = 0; i < 100; i++) accepted.push((await listener.accept())[0]);
  // Both ends talk, so every socket has waited and been registered with the event loop at least once.
  await Promise.all(clients.map((c) => c.sendall(Buffer.from("x"))));
  await Promise.all(accepted.map(async (a) => assert.equal((await a.recv(1)).length, 1)));
  assert.equal(openFdCount() - before, 200);
  for (const s of [...clients, ...accepted]) s.close();
  assert.equal(openFdCount(), before);
  listener.close();
});

test("a NUL in a host name is refused everywhere, and a socketpair of a refused type leaks nothing", async () => {
  await assert.rejects(createConnection(["127.0.0.1\0.allowed.example", 9]), {
    name: "TypeError",
    message: /null character/,
  });
  const before = openFdCount();
  // The kernel refuses the type before making anything; a type it accepts gives two working ends.
  assert.throws(() => socketpair(AF_UNIX, 99), { name: "OSError", errno: E.EINVAL });
  const [x, y] = socketpair(AF_UNIX, SOCK_RAW);
  await x.send(Buffer.from("raw is a datagram pair here"));
  assert.equal((await y.recv(100)).toString(), "raw is a datagram pair here");
  x.close();
  y.close();
  assert.equal(openFdCount(), before);
});

test("a small result holds only its bytes: a 5-byte datagram from recvfrom(65536), a stream recv(2**31-1)", async () => {
  const a = new Socket(AF_INET, SOCK_DGRAM);
  a.bind(["127.0.0.1", 0]);
  const b = new Socket(AF_INET, SOCK_DGRAM);
  await b.sendto(Buffer.from("hello"), a.getsockname());
  const [data] = await a.recvfrom(65536);
  assert.equal(data.toString(), "hello");
  // A pooled slice at most: never a 64 KiB allocation kept alive by five bytes.
  assert.ok(data.buffer.byteLength <= 8192, `the result keeps ${data.buffer.byteLength} bytes alive`);
  a.close();
  b.close();
  const p = await tcpPair();
  try {
    await p.client.sendall(Buffer.from("tiny"));
    const before = process.memoryUsage().arrayBuffers;
    const got = await p.server.recv(2 ** 31 - 1);
    assert.equal(got.toString(), "tiny");
    assert.ok(process.memoryUsage().arrayBuffers - before < 1024 * 1024, "recv(2**31-1) did not allocate its bufsize");
  } finally {
    p.close();
  }
});

/** Runs a small program in a child and resolves with its exit code and output. */
function runChild(script: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: new URL("../..", import.meta.url),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(watchdog);
      resolve({ code, out });
    });
  });
}

test("as in Python, open idle sockets do not keep the process alive; a pending call does until it completes", async () => {
  const idle = await runChild(`
    import { createConnection, Socket } from "./src/index.js";
    const l = new Socket(); l.bind(["127.0.0.1", 0]); l.listen();
    const c = await createConnection(l.getsockname());
    const [s] = await l.accept();
    await c.sendall(Buffer.from("x")); await s.recv(1);
    console.log("done, sockets left open");
  `);
  assert.deepEqual(idle, { code: 0, out: "done, sockets left open\n" });
  const pending = await runChild(`
    import { Socket } from "./src/index.js";
    import { spawn } from "node:child_process";
    const l = new Socket(); l.bind(["127.0.0.1", 0]); l.listen();
    const [, port] = l.getsockname();
    // Another process connects later; only the pending accept() keeps this one alive until then.
    spawn(process.execPath, ["-e", \`setTimeout(() => require("net").connect(\${port}, "127.0.0.1").on("connect", function () { this.end(); }), 300)\`], { stdio: "ignore" });
    const [conn, address] = await l.accept();
    console.log("accepted from", address[0]);
    conn.close(); l.close();
  `);
  assert.deepEqual(pending, { code: 0, out: "accepted from 127.0.0.1\n" });
});

test("registrations go with their sockets, and close() wakes every waiter with EBADF", async () => {
  const baseline = registeredCount();
  const p = await tcpPair();
  const waiting: Promise<unknown>[] = [p.server.recv(10), p.server.recv(10), p.client.sendall(Buffer.alloc(64 << 20))];
  assert.ok(registeredCount() > baseline);
  p.server.close();
  p.client.close();
  for (const w of waiting) await assert.rejects(within(2000, "the waiter", w), { name: "OSError", errno: E.EBADF });
  p.listener.close();
  assert.equal(registeredCount(), baseline);
});

test("the libuv calls are in the one binding table: a refused uv_poll_start surfaces as a typed error", async () => {
  const p = await tcpPair();
  const restore = replaceSyscall("uvPollStart", () => -E.ENOMEM);
  try {
    await assert.rejects(p.server.recv(10), (err: unknown) => err instanceof OSError && err.errno === E.ENOMEM);
  } finally {
    restore();
    p.close();
  }
});

test("sendfile falls back to reads and sends where the kernel refuses sendfile(2)", async () => {
  const { openSync, writeFileSync, closeSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "socketkit-"));
  const p = await tcpPair();
  const restore = replaceSyscall("sendfile", () => -E.EINVAL);
  try {
    const data = Buffer.from("0123456789".repeat(10000));
    writeFileSync(join(dir, "f"), data);
    const fd = openSync(join(dir, "f"), "r");
    const sending = p.client.sendfile(fd, 5, 90000);
    let got = Buffer.alloc(0);
    while (got.length < 90000) got = Buffer.concat([got, await p.server.recv(65536)]);
    assert.equal(await sending, 90000);
    assert.ok(got.equals(data.subarray(5, 90005)));
    closeSync(fd);
  } finally {
    restore();
    p.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an AF_UNIX connect to a full backlog waits for room instead of failing with EAGAIN", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socketkit-"));
  const path = join(dir, "s");
  const listener = new Socket(AF_UNIX);
  listener.bind(path);
  listener.listen(0);
  const clients = [new Socket(AF_UNIX), new Socket(AF_UNIX), new Socket(AF_UNIX)];
  try {
    const connecting = clients.map((c) => c.connect(path));
    // The kernel refuses the later ones with EAGAIN until accept() makes room; each accept lets one more in.
    const accepted = [];
    for (let i = 0; i < clients.length; i++)
      accepted.push((await within(5000, `accept ${i + 1}`, listener.accept()))[0]);
    await within(5000, "every connect", Promise.all(connecting));
    for (const a of accepted) a.close();
  } finally {
    for (const c of clients) c.close();
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
