// socketkit serve in front of an operator: client text cannot forge log lines or reach the terminal, logged bytes
// are capped, a stalled stdout drops (and counts) lines instead of growing, a broken one ends the server with 1,
// the banner shows the backlog the kernel applied, and IPv6 hosts work.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { AF_INET6, createConnection, Socket } from "../../src/index.js";
import { capMessage, escapeControls, LogSink, type LogStream, incompleteUtf8Tail } from "../../src/cli/log-sink.js";
import { start, startServer } from "../helpers/cli.js";
import { waitFor, within } from "../helpers/wait.js";

test("escapeControls makes any text one harmless line; capMessage keeps whole characters", () => {
  assert.equal(
    escapeControls("a\r\nforged\x1b]0;title\x07\x00\x9b\u2028\\"),
    "a\\r\\nforged\\x1b]0;title\\x07\\x00\\x9b\\u2028\\\\",
  );
  assert.equal(escapeControls("你好, world"), "你好, world");
  assert.equal(capMessage("界".repeat(10), 7), "界界… (24 more bytes)");
  assert.equal(capMessage("short", 7), "short");
});

function fakeStream(buffered: number) {
  const written: string[] = [];
  const listeners: Record<string, Array<() => void>> = { drain: [], error: [] };
  const stream = {
    writableLength: buffered,
    write: (chunk: string) => (written.push(chunk), true),
    on: (event: string, l: () => void) => listeners[event]!.push(l),
    once: (event: string, l: () => void) => listeners[event]!.push(l),
    off: () => undefined,
  };
  return {
    stream: stream as unknown as LogStream & { writableLength: number },
    written,
    emit: (e: string) => listeners[e]!.forEach((l) => l()),
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test("LogSink drops lines past its bound, counts them, and says so once the reader catches up", async () => {
  const f = fakeStream(200);
  const sink = new LogSink(f.stream, 100);
  sink.line("one");
  sink.line("two");
  assert.equal(sink.dropped, 2);
  await nextTurn();
  assert.deepEqual(f.written, []);
  f.stream.writableLength = 0;
  f.emit("drain");
  sink.line("three");
  await nextTurn();
  assert.deepEqual(f.written, ["[log: 2 line(s) dropped while output was not being read; 2 in all]\nthree\n"]);
});

test("LogSink writes the lines of one turn of the event loop in one write, in order; flush() writes them at once", async () => {
  const f = fakeStream(0);
  const sink = new LogSink(f.stream);
  sink.line("a");
  sink.line("b");
  assert.deepEqual(f.written, [], "nothing is written before the turn ends");
  await nextTurn();
  assert.deepEqual(f.written, ["a\nb\n"]);
  sink.line("c");
  assert.equal(await sink.flush(100), true);
  assert.deepEqual(f.written, ["a\nb\n", "c\n"], "flush() does not wait for the turn to end");
});

test("a client's CR, LF, ESC, OSC and NUL bytes are logged as escapes, one line per message, and capped", async () => {
  const server = await startServer();
  try {
    const c = await createConnection(["127.0.0.1", server.port]);
    await c.sendall(Buffer.from("hi\r\nClient ('6.6.6.6', 1) connected\x1b[2J\x1b]0;owned\x07\x00"));
    await c.recv(65536);
    await c.sendall(Buffer.alloc(10_000, 0x61));
    await waitFor("the long message in the log", () => (/more bytes\)/.test(server.stdout()) ? true : undefined));
    c.close();
    const out = server.stdout();
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(out), "no control byte reaches stdout");
    assert.match(
      out,
      /Message from \('127\.0\.0\.1', \d+\): hi\\r\\nClient \('6\.6\.6\.6', 1\) connected\\x1b\[2J\\x1b\]0;owned\\x07\\x00\n/,
    );
    assert.ok(!/^Client \('6\.6\.6\.6'/m.test(out), "no forged line");
    assert.match(out, /: a{512}… \(\d+ more bytes\)\n/);
  } finally {
    server.child.kill();
  }
});

test("the banner shows the backlog the kernel applied, where the socket came from, and the one asked for when they differ", async () => {
  const somaxconn = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8"));
  const server = await startServer(["--backlog", "99999"]);
  try {
    assert.match(
      server.stdout(),
      new RegExp(
        `\\(backlog ${somaxconn}, bound here; asked for 99999, the kernel caps it at net\\.core\\.somaxconn = ${somaxconn}\\)`,
      ),
    );
  } finally {
    server.child.kill();
  }
});

test("--host ::1 serves IPv6; --host :: serves IPv4 and IPv6 clients alike", async () => {
  for (const [host, clients] of [
    ["::1", ["::1"]],
    ["::", ["::1", "127.0.0.1"]],
  ] as const) {
    const run = start(["serve", "--host", host, "--port", "0", "--reply-prefix", ""]);
    try {
      const port = Number(await waitFor("the banner", () => /\]:(\d+) \(backlog/.exec(run.stdout())?.[1], 10000));
      for (const address of clients) {
        const c = address.includes(":") ? new Socket(AF_INET6) : new Socket();
        await c.connect([address, port]);
        await c.sendall(Buffer.from("ping"));
        assert.equal((await c.recv(16)).toString(), "ping", `${host} ← ${address}`);
        c.close();
      }
    } finally {
      run.child.kill();
    }
  }
});

test("a broken stdout ends the server with exit code 1, so a supervisor restarts it", async () => {
  const server = await startServer();
  server.child.stdout.destroy();
  const c = await createConnection(["127.0.0.1", server.port]);
  try {
    await c.sendall(Buffer.from("anyone reading?"));
    assert.equal(await within(15000, "the server to exit", server.exit), 1);
  } finally {
    c.close();
  }
});

test("lines logged before a stop are flushed: every message reaches the reader", async () => {
  const server = await startServer(["--reply-prefix", ""]);
  const c = await createConnection(["127.0.0.1", server.port]);
  for (let i = 0; i < 200; i++) {
    await c.sendall(Buffer.from(`message ${i}`));
    await c.recv(64);
  }
  c.close();
  await waitFor("the disconnect", () => (/disconnected/.test(server.stdout()) ? true : undefined));
  server.child.kill("SIGTERM");
  assert.equal(await within(15000, "the server to exit", server.exit), 0);
  assert.equal(server.stdout().match(/: message \d+\n/g)?.length, 200);
  assert.match(server.stdout(), /Server closed\n$/);
});

test("with stdout not read, the server keeps answering and drops log lines, counting them, instead of holding them", async () => {
  const server = await startServer(["--reply-prefix", ""]);
  server.child.stdout.pause(); // the operator's terminal (or a log shipper) stalls
  const message = Buffer.alloc(2000, 0x61);
  try {
    await within(
      60000,
      "6,000 echoes",
      Promise.all(
        Array.from({ length: 20 }, async () => {
          const c = await createConnection(["127.0.0.1", server.port]);
          for (let i = 0; i < 300; i++) {
            await c.sendall(message);
            let got = 0;
            while (got < message.length) got += (await c.recv(65536)).length;
          }
          c.close();
        }),
      ),
    );
    server.child.stdout.resume();
    const note = await waitFor(
      "the dropped-lines note",
      () =>
        /\[log: (\d+) line\(s\) dropped while output was not being read; \d+ in all\]/.exec(server.stdout()) ??
        undefined,
      15000,
    );
    // 6,000 lines of 500+ bytes are 3 MB; the bounded buffer (256 KiB) and the pipe (64 KiB) hold a few hundred.
    assert.ok(Number(note[1]) > 4000, `${note[1]} lines dropped`);
  } finally {
    server.child.kill();
  }
});

test("the log holds back exactly the bytes of a character split across reads, wherever the split falls", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), fc.nat(), (text, at) => {
      const bytes = Buffer.from(text, "utf8");
      const cut = bytes.length === 0 ? 0 : at % (bytes.length + 1);
      const first = bytes.subarray(0, cut);
      const tail = incompleteUtf8Tail(first);
      // What is logged now is whole characters; what is held plus the next read decodes to the rest.
      const logged = first.toString("utf8", 0, first.length - tail);
      const rest = Buffer.concat([first.subarray(first.length - tail), bytes.subarray(cut)]).toString("utf8");
      assert.equal(logged + rest, text);
      assert.ok(!logged.includes("\ufffd") || text.includes("\ufffd"));
    }),
    { numRuns: 300 },
  );
});
