// socketkit's connection limits on stream servers: idleTimeout (the kernel's tcp_info as the clock),
// maxConnections (a reset at accept), and the rate-limited line when accept() meets the open-file limit; each a
// server setting, counted in connectionStats and published on a diagnostics channel.
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  BaseRequestHandler,
  ConnectionResetError,
  connectionChannels,
  createConnection,
  Socket,
  ThreadingTCPServer,
  ThreadingUnixStreamServer,
  type IdleCloseMessage,
  type OutOfFilesMessage,
} from "../../src/index.js";
import { replaceSyscall } from "../../src/libc/syscalls.js";
import { E } from "../../src/socket/errors.js";
import { openFdCount, waitFor, within } from "../helpers/wait.js";

class EchoHandler extends BaseRequestHandler {
  override async handle(): Promise<void> {
    let msg: Buffer;
    while ((msg = await this.request.recv(1024)).length > 0) await this.request.sendall(msg);
  }
}

/** The messages published on the channel `name` from now until stop(). */
function collect<T>(name: string): { messages: T[]; stop(): void } {
  const messages: T[] = [];
  const listener = (m: unknown) => messages.push(m as T);
  subscribe(name, listener);
  return { messages, stop: () => unsubscribe(name, listener) };
}

/** A ThreadingTCPServer on a free loopback port whose logMessage() lines are kept. */
class Logged extends ThreadingTCPServer {
  static override requestQueueSize = 512;
  readonly lines: string[] = [];
  override logMessage(line: string): void {
    this.lines.push(line);
  }
}

/** Serves while `run` runs; then stops the loop and (unless `close` is false) closes the server. */
async function serving<T extends Logged>(server: T, run: (server: T) => Promise<void>, close = true): Promise<void> {
  const loop = server.serveForever(0.05);
  try {
    await run(server);
  } finally {
    await server.shutdown();
    await loop;
    if (close) await server.serverClose();
  }
}

/** One exchange with a server not yet serving, so that what the first connection allocates is in the baseline. */
async function roundTripOnce(server: Logged): Promise<void> {
  await serving(
    server,
    async () => {
      const c = await connect(server);
      await c.sendall(Buffer.from("warm"));
      await within(3000, "the echo", c.recv(10));
      c.close();
      await waitFor("the connection closed", () => (server.connectionStats.open === 0 ? true : undefined));
    },
    false,
  );
}

function connect(server: Logged): Promise<Socket> {
  return createConnection(server.serverAddress);
}

test("idleTimeout: a connection with no data either way is shut down with one line; one that talks is kept", async () => {
  class Idle extends Logged {
    static override idleTimeout = 0.3;
  }
  const published = collect<IdleCloseMessage>(connectionChannels.idleClose);
  const closed = published.messages;
  await serving(new Idle(["127.0.0.1", 0], EchoHandler), async (server) => {
    const silent = await connect(server);
    const talking = await connect(server);
    const port = silent.getsockname()[1];
    try {
      // The talking client sends more often than the timeout, so the kernel always saw data on it lately.
      while (server.connectionStats.closedIdle === 0) {
        await talking.sendall(Buffer.from("."));
        assert.equal((await within(3000, "the echo", talking.recv(10))).toString(), ".");
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await within(3000, "EOF on the idle connection", silent.recv(10))).length, 0);
      await waitFor("its handler ended", () => (server.connectionStats.open === 1 ? true : undefined));
      assert.deepEqual(server.connectionStats, {
        open: 1,
        accepted: 2,
        closedIdle: 1,
        refused: 0,
        outOfFiles: 0,
        emfile: 0,
        enfile: 0,
      });
      assert.equal(server.lines.length, 1);
      const m = /^idle timeout: closed \('127\.0\.0\.1', (\d+)\) after (\d+\.\d) s without data$/.exec(
        server.lines[0]!,
      );
      assert.ok(m, server.lines[0]);
      assert.equal(Number(m[1]), port);
      assert.ok(Number(m[2]) >= 0.3, "closed no earlier than the timeout");
      assert.equal(closed.length, 1);
      assert.equal(closed[0]!.server, server);
      assert.ok(closed[0]!.idleMs >= 300);
    } finally {
      published.stop();
      silent.close();
      talking.close();
    }
  });
});

test("idleTimeout: a client that stopped reading is idle too once the kernel's buffers are full", async () => {
  class Idle extends Logged {
    static override idleTimeout = 0.3;
  }
  await serving(new Idle(["127.0.0.1", 0], EchoHandler), async (server) => {
    const c = await connect(server);
    try {
      // It sends and never reads: the echo fills its receive buffer, then the server's send buffer, then stops.
      const sending = c.sendall(Buffer.alloc(32 << 20)).catch((err: unknown) => err);
      await waitFor("the idle close", () => (server.connectionStats.closedIdle === 1 ? true : undefined), 10000);
      assert.ok(
        (await within(5000, "the client's send", sending)) instanceof Error,
        "the client's send ended in an error",
      );
      assert.match(server.lines[0]!, /^idle timeout: closed \('127\.0\.0\.1', \d+\) after \d+\.\d s without data$/);
    } finally {
      c.close();
    }
  });
});

test("maxConnections: the connection beyond the cap is reset at accept with one line; a freed slot is taken again", async () => {
  class Capped extends Logged {
    static override maxConnections = 2;
  }
  await serving(new Capped(["127.0.0.1", 0], EchoHandler), async (server) => {
    const [a, b] = [await connect(server), await connect(server)];
    await waitFor("two connections taken", () => (server.connectionStats.open === 2 ? true : undefined));
    const c = await connect(server);
    const port = c.getsockname()[1];
    await assert.rejects(within(3000, "the refused client's recv", c.recv(10)), ConnectionResetError);
    assert.deepEqual(server.lines, [`max connections: refused ('127.0.0.1', ${port}): 2 connections open`]);
    a.close();
    await waitFor("a slot freed", () => (server.connectionStats.open === 1 ? true : undefined));
    const d = await connect(server);
    await d.sendall(Buffer.from("again"));
    assert.equal((await within(3000, "the echo", d.recv(10))).toString(), "again");
    assert.deepEqual(server.connectionStats, {
      open: 2,
      accepted: 3,
      closedIdle: 0,
      refused: 1,
      outOfFiles: 0,
      emfile: 0,
      enfile: 0,
    });
    for (const s of [b, c, d]) s.close();
  });
});

test("an instance's own settings override the class's; 0 means none; a bad value is a RangeError naming it", async () => {
  const server = new Logged(["127.0.0.1", 0], EchoHandler);
  server.maxConnections = 0;
  server.idleTimeout = 0;
  await serving(server, async () => {
    const clients = [await connect(server), await connect(server), await connect(server)];
    await waitFor("three connections taken", () => (server.connectionStats.open === 3 ? true : undefined));
    assert.deepEqual(server.lines, []);
    for (const c of clients) c.close();
  });
  const bad = new Logged(["127.0.0.1", 0], EchoHandler);
  bad.maxConnections = 1.5;
  const loop = bad.serveForever(0.05);
  const c = await connect(bad);
  await assert.rejects(
    within(3000, "serveForever", loop),
    /RangeError: maxConnections must be a whole number ≥ 0 or null, got 1\.5/,
  );
  assert.equal((await within(3000, "the client's EOF", c.recv(10))).length, 0, "the connection taken was closed");
  c.close();
  await bad.serverClose();
});

/** Runs V8's collector (the flag is set once, for this test only). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

test("a slowloris of 300 connections, bounded: 200 held and closed when idle, 100 refused; fds and heap back", async () => {
  class Bounded extends Logged {
    static override idleTimeout = 0.5;
    static override maxConnections = 200;
  }
  const server = new Bounded(["127.0.0.1", 0], EchoHandler);
  await roundTripOnce(server);
  collectGarbage();
  const [fds, heap] = [openFdCount(), process.memoryUsage().heapUsed];
  // All 300 wait in the accept queue, each with one byte sent and nothing more, before the server takes any:
  // it then takes them in one burst, so how fast this machine connects does not decide which are refused.
  const clients: Socket[] = [];
  for (let i = 0; i < 300; i++) clients.push(await connect(server));
  await Promise.all(clients.map((c) => c.sendall(Buffer.from("x"))));
  let peak = 0;
  await serving(server, async () => {
    const done = await waitFor(
      "every connection closed or refused",
      () => {
        const s = server.connectionStats;
        peak = Math.max(peak, s.open);
        return s.refused + s.closedIdle === 300 && s.open === 0 ? s : undefined;
      },
      20000,
    );
    assert.deepEqual(done, {
      open: 0,
      accepted: 201,
      closedIdle: 200,
      refused: 100,
      outOfFiles: 0,
      emfile: 0,
      enfile: 0,
    });
    assert.ok(peak <= 200, `${peak} connections held at once`);
    assert.equal(server.lines.filter((l) => l.startsWith("idle timeout: closed")).length, 200);
    assert.equal(server.lines.filter((l) => l.startsWith("max connections: refused")).length, 100);
  });
  for (const c of clients) c.close();
  assert.equal(openFdCount(), fds - 1, "every descriptor of the 300 connections is closed (and the server's)");
  collectGarbage();
  const grown = process.memoryUsage().heapUsed - heap;
  // 200 connections held would be about 1.4 MB (7 KB each, bench/idle.ts); what is left is the test's own.
  assert.ok(grown < 600_000, `the heap grew by ${grown} bytes`);
});

test("accept() meeting EMFILE: one line per interval, the last with the whole count; every attempt counted and published", async () => {
  class Short extends Logged {
    static override outOfFilesLogInterval = 0.4;
  }
  const published = collect<OutOfFilesMessage>(connectionChannels.outOfFiles);
  const events = published.messages;
  let attempts = 0;
  let lastLine = 0;
  const gaps: number[] = [];
  const server = new Short(["127.0.0.1", 0], EchoHandler);
  const log = server.logMessage.bind(server);
  server.logMessage = (line) => {
    gaps.push(performance.now() - lastLine);
    lastLine = performance.now();
    log(line);
  };
  await serving(server, async () => {
    const held = await connect(server);
    await waitFor("one connection taken", () => (server.connectionStats.open === 1 ? true : undefined));
    const restore = replaceSyscall("accept4", () => (attempts++, -E.EMFILE));
    try {
      const waiting = await connect(server);
      await waitFor("three lines", () => (server.lines.length >= 3 ? true : undefined), 10000);
      // Two more inside the interval, which no line has counted yet.
      const logged = attempts;
      await waitFor("two more failed accepts", () => (attempts >= logged + 2 ? true : undefined), 3000);
      restore();
      await waiting.sendall(Buffer.from("served"));
      assert.equal((await within(3000, "the echo", waiting.recv(10))).toString(), "served");
      waiting.close();
    } finally {
      restore();
      published.stop();
      held.close();
    }
  });
  const limit = Number(
    /^Max open files\s+(\d+)/m.exec(
      await import("node:fs").then((f) => f.readFileSync("/proc/self/limits", "utf8")),
    )![1],
  );
  assert.match(
    server.lines[0]!,
    new RegExp(`^too many open files: 1 connections open, limit ${limit} \\(RLIMIT_NOFILE; 1 failed accept so far\\)$`),
  );
  // Failures after the last line are not lost: a line at the end of the interval has the whole count.
  const total = new RegExp(`\\(RLIMIT_NOFILE; ${attempts} failed accepts so far\\)$`);
  await waitFor("a line with every failed accept", () => (total.test(server.lines.at(-1)!) ? true : undefined), 3000);
  assert.ok(server.lines.length < attempts, `${server.lines.length} lines for ${attempts} failed accepts`);
  for (const gap of gaps.slice(1)) assert.ok(gap >= 400, `a line ${gap} ms after the previous one`);
  assert.equal(server.connectionStats.outOfFiles, attempts);
  assert.equal(server.connectionStats.emfile, attempts);
  assert.equal(server.connectionStats.enfile, 0);
  assert.equal(events.length, attempts);
  assert.deepEqual(events[0], { server, errno: E.EMFILE, open: 1, limit, total: 1 });
});

test("a Unix stream server counts its connections for maxConnections; idleTimeout needs tcp_info and leaves them", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const dir = mkdtempSync("/tmp/socketkit-limits-");
  class UnixCapped extends ThreadingUnixStreamServer {
    static override maxConnections = 1;
    static override idleTimeout = 0.1;
    readonly lines: string[] = [];
    override logMessage(line: string): void {
      this.lines.push(line);
    }
  }
  const server = new UnixCapped(`${dir}/s`, EchoHandler);
  const loop = server.serveForever(0.05);
  try {
    const a = new Socket(1, 1);
    await a.connect(`${dir}/s`);
    await waitFor("the first connection taken", () => (server.connectionStats.open === 1 ? true : undefined));
    const b = new Socket(1, 1);
    await b.connect(`${dir}/s`);
    await waitFor("the second refused", () => (server.connectionStats.refused === 1 ? true : undefined));
    assert.deepEqual(server.lines, ["max connections: refused an unnamed Unix client: 1 connections open"]);
    // Several sweeps later the idle Unix connection still serves.
    await new Promise((r) => setTimeout(r, 300));
    await a.sendall(Buffer.from("still"));
    assert.equal((await within(3000, "the echo", a.recv(10))).toString(), "still");
    a.close();
    b.close();
  } finally {
    await server.shutdown();
    await loop;
    await server.serverClose();
    rmSync(dir, { recursive: true, force: true });
  }
});
