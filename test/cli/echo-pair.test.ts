// socketkit serve and socketkit client as a user runs them: scripted sessions, quit words, long and multi-byte
// messages, a missing or vanishing server, and a graceful SIGTERM.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { createConnection, SHUT_WR, SO_RCVBUF, SOL_SOCKET, Socket } from "../../src/index.js";
import { readTcpSockets } from "../../src/kernel/proc-net-tcp.js";
import { runClient, start, startServer } from "../helpers/cli.js";
import { waitFor, within } from "../helpers/wait.js";

const PREFIX = "服务端收到, 你发的消息是: ";

test("a scripted client (stdin piped) gets each reply on its own line and exits 0", async () => {
  const server = await startServer();
  try {
    const r = await runClient(server.port, "hello\n你好, 世界\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${PREFIX}hello\n${PREFIX}你好, 世界\nBye~~~\n`);
    await waitFor("the server log", () => (/disconnected/.test(server.stdout()) ? true : undefined));
    assert.match(server.stdout(), /Client \('127\.0\.0\.1', \d+\) connected/);
    assert.match(server.stdout(), /Message from \('127\.0\.0\.1', \d+\): 你好, 世界/);
  } finally {
    server.child.kill();
  }
});

test("q, quit and exit in any case and with spaces end the session", async () => {
  const server = await startServer();
  try {
    for (const word of ["q", "  QUIT ", "Exit"]) {
      const r = await runClient(server.port, `one\n${word}\nnever sent\n`);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `${PREFIX}one\nBye~~~\n`, `quit word ${JSON.stringify(word)}`);
    }
  } finally {
    server.child.kill();
  }
});

test("a 10,000-byte message comes back whole; --reply-prefix '' makes a plain echo", async () => {
  const server = await startServer(["--reply-prefix", ""]);
  try {
    const big = "x".repeat(5000) + "界".repeat(1666) + "yz";
    assert.equal(Buffer.byteLength(big), 10000);
    const r = await runClient(server.port, big + "\n");
    assert.equal(r.stdout, `${big}\nBye~~~\n`);
  } finally {
    server.child.kill();
  }
});

test("the server log decodes a character split across two reads, and speaks Chinese with --lang zh", async () => {
  const server = await startServer(["--lang", "zh"]);
  try {
    const c = await createConnection(["127.0.0.1", server.port]);
    const bytes = Buffer.from("你好");
    await c.sendall(bytes.subarray(0, 4)); // "你" and the first byte of "好"
    assert.equal((await c.recv(1024)).toString().startsWith(PREFIX), true);
    await c.sendall(bytes.subarray(4));
    await c.recv(1024);
    c.shutdown(SHUT_WR);
    await c.recv(1024);
    c.close();
    await waitFor("the disconnect line", () => (/已断开/.test(server.stdout()) ? true : undefined));
    const log = server.stdout();
    assert.match(log, /客户端 \('127\.0\.0\.1', \d+\) 已连接/);
    assert.match(log, /的消息: 你\n/);
    assert.match(log, /的消息: 好\n/);
    assert.doesNotMatch(log, /\uFFFD/);
  } finally {
    server.child.kill();
  }
});

test("no server: one line, exit code 1, no stack trace", async () => {
  const r = await runClient(1, "hello\n");
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "socketkit client: Cannot connect to 127.0.0.1:1: [Errno 111] Connection refused\n");
});

test("a server killed mid-session: the client says so in one line and exits non-zero", async () => {
  const server = await startServer();
  const client = start(["client", "--host", "127.0.0.1", "--port", String(server.port)]);
  try {
    client.child.stdin.write("first\n");
    await waitFor("the first reply", () => (client.stdout().includes("first") ? true : undefined));
    server.child.kill("SIGKILL");
    await server.exit;
    client.child.stdin.write("second\n");
    const code = await within(5000, "the client to exit", client.exit);
    assert.equal(code, 1);
    assert.equal(client.stderr(), `The server at 127.0.0.1:${server.port} closed the connection\n`);
  } finally {
    client.child.kill();
    server.child.kill();
  }
});

test("SIGTERM: connected clients see a clean close and the server exits 0", async () => {
  const server = await startServer();
  const idle = await createConnection(["127.0.0.1", server.port]);
  const busy = await createConnection(["127.0.0.1", server.port]);
  try {
    await busy.sendall(Buffer.from("before"));
    assert.equal((await busy.recv(1024)).toString(), PREFIX + "before");
    await waitFor("both connections logged", () => (server.stdout().split("connected").length > 2 ? true : undefined));
    server.child.kill("SIGTERM");
    assert.equal((await within(5000, "EOF on the idle client", idle.recv(1024))).length, 0);
    assert.equal((await within(5000, "EOF on the other client", busy.recv(1024))).length, 0);
    assert.equal(await within(5000, "the server to exit", server.exit), 0);
    assert.match(server.stdout(), /Server closed\n$/);
  } finally {
    idle.close();
    busy.close();
    server.child.kill();
  }
});

test("--help and --version, for the command and each subcommand; mistakes are one line with exit code 2", async () => {
  const help = start(["--help"]);
  assert.equal(await help.exit, 0);
  assert.match(help.stdout(), /Usage: socketkit <command>/);
  const serveHelp = start(["serve", "--help"]);
  assert.equal(await serveHelp.exit, 0);
  assert.match(serveHelp.stdout(), /--backlog/);
  const version = start(["--version"]);
  assert.equal(await version.exit, 0);
  assert.match(version.stdout(), /^\d+\.\d+\.\d+\n$/);
  const bad = start(["serve", "--port", "70000"]);
  assert.equal(await bad.exit, 2);
  assert.equal(bad.stderr(), "socketkit serve: --port must be a port number 0-65535, got 70000\n");
});

test(
  "in a terminal the client prompts, echoes what is typed, and prints each reply",
  { skip: !hasScript() && "util-linux 'script' is not installed" },
  async () => {
    const server = await startServer();
    // `script` gives the client a pseudo-terminal, as a person at a keyboard would.
    const command = `${process.execPath} bin/socketkit.js client --host 127.0.0.1 --port ${server.port} --lang zh`;
    const run = start(["-q", "-e", "-c", command, "/dev/null"], ["script"]);
    try {
      await waitFor("the prompt", () => (run.stdout().includes("请输入内容:") ? true : undefined), 10000);
      run.child.stdin.write("你好\r");
      await waitFor("the reply", () => (run.stdout().includes(`${PREFIX}你好`) ? true : undefined), 5000);
      run.child.stdin.write("exit\r");
      assert.equal(await within(5000, "the client to exit", run.exit), 0);
      // What the person sees, without the terminal's cursor movements.
      const screen = run
        .stdout()
        .replace(/\x1B\[[0-9;]*[A-Za-z]/g, "")
        .replace(/\r/g, "");
      assert.equal(screen, `请输入内容: 你好\n${PREFIX}你好\n请输入内容: exit\nBye~~~\n`);
    } finally {
      run.child.kill();
      server.child.kill();
    }
  },
);

test("SIGTERM with a client that stopped reading mid-reply: closed after --grace, exit 0", async () => {
  const server = await startServer(["--grace", "0.5"]);
  const stuck = new Socket();
  // A small receive buffer, so the server's replies back up soon after the client stops reading.
  stuck.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
  await stuck.connect(["127.0.0.1", server.port]);
  const [, cport] = stuck.getsockname();
  // Far more than the buffers hold; the client never reads the echo, so the server's send stalls, and then this one.
  const sending = stuck.sendall(Buffer.alloc(8 * 1024 * 1024, 0x61)).catch(() => undefined);
  try {
    let stalledSince = 0;
    await waitFor(
      "the server's reply to stall",
      () => {
        const serverSide = readTcpSockets().find((e) => e.localPort === server.port && e.remotePort === cport);
        if (!serverSide || serverSide.txQueue === 0) {
          stalledSince = 0;
          return undefined;
        }
        stalledSince ||= performance.now();
        return performance.now() - stalledSince > 300 ? true : undefined;
      },
      15000,
      50,
    );
    server.child.kill("SIGTERM");
    assert.equal(await within(10000, "the server to exit", server.exit), 0);
    assert.match(server.stdout(), /1 client\(s\) did not finish within 0\.5 s: closing their connections/);
    stuck.close();
    await within(5000, "the client's send to give up", sending);
  } finally {
    stuck.close();
    server.child.kill();
  }
});

function hasScript(): boolean {
  return spawnSync("script", ["--version"]).status === 0;
}
