// Every error the socket module promises, each raised by the situation that causes it.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { E } from "../../src/libc/errno.js";
import { replaceSyscall, sys } from "../../src/libc/syscalls.js";
import {
  AF_UNIX,
  BlockingIOError,
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  createServer,
  FileNotFoundError,
  GaiError,
  getaddrinfo,
  InterruptedError,
  MSG_DONTWAIT,
  OSError,
  SHUT_WR,
  SO_LINGER,
  SOCK_DGRAM,
  SOL_SOCKET,
  Socket,
  socketpair,
  TimeoutError,
} from "../../src/index.js";
import { tcpPair } from "../helpers/pairs.js";

function isOSError(Class: new (...a: never[]) => OSError, errno: number | null, message?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof Class, `expected ${Class.name}, got ${String(e)}`);
    assert.ok(e instanceof OSError);
    assert.equal(e.errno, errno);
    if (message !== undefined) assert.equal(e.message, message);
    return true;
  };
}

test("ConnectionRefusedError carries errno, code, strerror and Python's message", async () => {
  const s = new Socket();
  try {
    await assert.rejects(s.connect(["127.0.0.1", 1]), (e: unknown) => {
      isOSError(ConnectionRefusedError, E.ECONNREFUSED, "[Errno 111] Connection refused")(e);
      const err = e as OSError;
      assert.equal(err.code, "ECONNREFUSED");
      assert.equal(err.strerror, "Connection refused");
      assert.equal(err.name, "ConnectionRefusedError");
      return true;
    });
  } finally {
    s.close();
  }
});

test("a peer that resets surfaces as ConnectionResetError on recv, never as a crash", async () => {
  const p = await tcpPair();
  try {
    await p.server.recv(1, MSG_DONTWAIT).catch(() => undefined); // start the stream
    const linger = Buffer.alloc(8);
    linger.writeInt32LE(1, 0); // l_onoff = 1, l_linger = 0: close sends RST
    p.client.setsockopt(SOL_SOCKET, SO_LINGER, linger);
    p.client.close();
    await assert.rejects(
      p.server.recv(100),
      isOSError(ConnectionResetError, E.ECONNRESET, "[Errno 104] Connection reset by peer"),
    );
    assert.equal((await p.server.recv(100)).length, 0, "after the reset, reads see EOF");
  } finally {
    p.close();
  }
});

test("a peer that vanishes mid-write rejects sendall; the process carries on", async () => {
  const p = await tcpPair();
  try {
    const sending = p.client.sendall(Buffer.alloc(32 * 1024 * 1024));
    const linger = Buffer.alloc(8);
    linger.writeInt32LE(1, 0);
    p.server.setsockopt(SOL_SOCKET, SO_LINGER, linger);
    p.server.close();
    await assert.rejects(sending, (e: unknown) => e instanceof ConnectionResetError || e instanceof BrokenPipeError);
  } finally {
    p.close();
  }
});

test("sending after shutdown(SHUT_WR) is BrokenPipeError (EPIPE), with no SIGPIPE", async () => {
  const p = await tcpPair();
  try {
    p.client.shutdown(SHUT_WR);
    await assert.rejects(
      p.client.sendall(Buffer.from("too late")),
      isOSError(BrokenPipeError, E.EPIPE, "[Errno 32] Broken pipe"),
    );
  } finally {
    p.close();
  }
});

test("FileNotFoundError for a Unix path that does not exist", async () => {
  const s = new Socket(AF_UNIX);
  try {
    await assert.rejects(s.connect("/nonexistent/socketkit.sock"), isOSError(FileNotFoundError, E.ENOENT));
  } finally {
    s.close();
  }
});

test("PermissionError for a privileged port without the privilege", (t) => {
  const start = Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8"));
  if (start === 0) return t.skip("every port is unprivileged in this network namespace");
  const port = start - 1;
  const script = `
    import { Socket } from ${JSON.stringify(new URL("../../src/index.ts", import.meta.url).href)};
    const s = new Socket();
    try { s.bind(["127.0.0.1", ${port}]); console.log("bound"); } catch (e) { console.log(e.name + " " + e.message); }`;
  const asRoot = process.getuid?.() === 0;
  const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    // As root, drop to nobody for this one child; otherwise the test process itself lacks the privilege.
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    encoding: "utf8",
    cwd: new URL("../..", import.meta.url).pathname,
  });
  assert.equal(result.stdout.trim(), "PermissionError [Errno 13] Permission denied", result.stderr);
});

test("error paths reached through replaced system calls: EINTR, ECONNABORTED, EMFILE", async () => {
  const s = new Socket();
  let restore = replaceSyscall("bind", () => -E.EINTR);
  try {
    assert.throws(
      () => s.bind(["127.0.0.1", 0]),
      isOSError(InterruptedError, E.EINTR, "[Errno 4] Interrupted system call"),
    );
  } finally {
    restore();
  }
  restore = replaceSyscall("connect", () => -E.ECONNABORTED);
  try {
    await assert.rejects(s.connect(["127.0.0.1", 9]), isOSError(ConnectionAbortedError, E.ECONNABORTED));
  } finally {
    restore();
  }
  s.close();

  // accept retries EINTR and ECONNABORTED (a connection reset while queued) and reports EMFILE.
  const server = createServer(["127.0.0.1", 0]);
  const client = new Socket();
  await client.connect(server.getsockname());
  const failures = [-E.EINTR, -E.ECONNABORTED];
  const original = sys.accept4;
  restore = replaceSyscall("accept4", (...args) => failures.shift() ?? original(...args));
  try {
    const [conn] = await server.accept();
    assert.equal(failures.length, 0);
    conn.close();
  } finally {
    restore();
  }
  restore = replaceSyscall("accept4", () => -E.EMFILE);
  try {
    await assert.rejects(server.accept(), isOSError(OSError, E.EMFILE, "[Errno 24] Too many open files"));
  } finally {
    restore();
  }
  client.close();
  server.close();
});

test("every operation on a closed socket is [Errno 9] Bad file descriptor", async () => {
  const s = new Socket();
  s.close();
  s.close(); // idempotent
  const ebadf = isOSError(OSError, E.EBADF, "[Errno 9] Bad file descriptor");
  const address: [string, number] = ["127.0.0.1", 9];
  for (const call of [
    () => s.bind(address),
    () => s.listen(),
    () => s.setsockopt(SOL_SOCKET, SO_LINGER, 0),
    () => s.getsockopt(SOL_SOCKET, SO_LINGER),
    () => s.getsockname(),
    () => s.getpeername(),
    () => s.shutdown(SHUT_WR),
    () => s.dup(),
  ]) {
    assert.throws(call, ebadf);
  }
  for (const call of [
    () => s.accept(),
    () => s.connect(address),
    () => s.recv(10),
    () => s.recvfrom(10),
    () => s.send(Buffer.from("x")),
    () => s.sendall(Buffer.from("x")),
    () => s.sendto(Buffer.from("x"), address),
  ]) {
    await assert.rejects(call(), ebadf);
  }
  assert.equal(s.fileno(), -1);
});

test("wrong arguments are TypeError or RangeError naming the argument", async () => {
  const s = new Socket();
  const d = new Socket(undefined, SOCK_DGRAM);
  try {
    assert.throws(() => s.bind(["127.0.0.1", 70000]), {
      name: "RangeError",
      message: /port must be 0-65535, got 70000/,
    });
    assert.throws(() => s.bind(["127.0.0.1", "80"] as never), {
      name: "TypeError",
      message: /port must be an integer/,
    });
    assert.throws(() => s.bind([5, 80]), { name: "TypeError", message: /host must be a string/ });
    assert.throws(() => s.bind("/tmp/x"), {
      name: "TypeError",
      message: /address: AF_INET address must be a tuple/,
    });
    assert.throws(() => s.listen("5" as never), { name: "TypeError", message: /backlog/ });
    assert.throws(() => s.settimeout(-1), {
      name: "RangeError",
      message: /value must be a finite number of seconds ≥ 0 or null/,
    });
    assert.throws(() => s.settimeout("1" as never), { name: "TypeError", message: /value must be a number/ });
    assert.throws(() => s.shutdown("1" as never), { name: "TypeError", message: /how must be an integer/ });
    // Values of the right type are the kernel's to judge, as in Python: OSError with its errno.
    assert.throws(() => s.shutdown(5), { name: "OSError", errno: E.EINVAL });
    assert.throws(() => new Socket(99), { name: "OSError", errno: E.EAFNOSUPPORT });
    assert.throws(() => new Socket(undefined, 99), { name: "OSError", errno: E.EINVAL });
    await assert.rejects(s.recv(-1), { name: "RangeError", message: /bufsize/ });
    await assert.rejects(d.sendto("text" as never, ["127.0.0.1", 9]), {
      name: "TypeError",
      message: /data must be a Buffer/,
    });
    assert.throws(() => new Socket(AF_UNIX).bind("x".repeat(200)), {
      name: "OSError",
      message: "AF_UNIX path too long",
    });
  } finally {
    s.close();
    d.close();
  }
});

test("a makefile() refused for its arguments does not keep the socket open past close()", async () => {
  const [a, b] = socketpair();
  assert.throws(() => a.makefile("r", { encoding: "klingon" }), { name: "RangeError", message: /unknown encoding/ });
  assert.throws(() => a.makefile("r", { newline: "x" }), { name: "RangeError", message: /illegal newline/ });
  a.close();
  assert.equal(a.fileno(), -1, "close() closed the fd: no file holds it");
  assert.equal((await b.recv(10)).length, 0, "the peer reads EOF");
  b.close();
});

test("names that do not resolve give GaiError with a negative errno", async () => {
  await assert.rejects(getaddrinfo("no-such-host.invalid", 80), (e: unknown) => {
    assert.ok(e instanceof GaiError);
    assert.ok((e.errno ?? 0) < 0, `errno ${e.errno}`);
    assert.match(e.message, /^\[Errno -\d+\] /);
    return true;
  });
});

test("a blocking accept on a non-blocking socket, and a timeout, are typed", async () => {
  const server = createServer(["127.0.0.1", 0]);
  try {
    server.setblocking(false);
    await assert.rejects(server.accept(), BlockingIOError);
    server.settimeout(0.05);
    await assert.rejects(server.accept(), TimeoutError);
  } finally {
    server.close();
  }
});

test("off Linux, making a socket says the kernel backend supports Linux only", () => {
  const script = `
    Object.defineProperty(process, "platform", { value: "darwin" });
    const { Socket } = await import(${JSON.stringify(new URL("../../src/index.ts", import.meta.url).href)});
    try { new Socket(); console.log("made"); } catch (e) { console.log(e.name + ": " + e.message); }`;
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  assert.equal(
    out.trim(),
    "UnsupportedPlatformError: socketkit's kernel backend supports Linux only; this process runs on darwin.",
  );
});
