// The forking servers, each run as its own program (test/fixtures/forking/server.ts) because their workers run
// that program again: the behaviours CPython's test_socketserver checks for ForkingMixIn (every server kind with
// stream and datagram handlers, the socket closed afterwards, blockOnClose, an error in a handler), a worker
// killed mid-request, and 2,000 requests leaving no process or descriptor behind.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  AF_INET,
  AF_UNIX,
  BaseRequestHandler,
  ConnectionResetError,
  ForkingTCPServer,
  OSError,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  Socket,
  type Address,
} from "../../src/index.js";
import { withFixture } from "../helpers/forking-fixture.js";
import { isAlive } from "../helpers/processes.js";
import { openFdCount, waitFor } from "../helpers/wait.js";

/** Seconds any one client call may wait before the test fails instead of hanging. */
const CALL_TIMEOUT = 20;

async function connect(address: Address): Promise<Socket> {
  const sock = new Socket(typeof address === "string" ? AF_UNIX : AF_INET, SOCK_STREAM);
  sock.settimeout(CALL_TIMEOUT);
  await sock.connect(address);
  return sock;
}

/** Sends `text` and reads until `lines` newline-terminated lines came back (or end of file). */
async function exchange(sock: Socket, text: string, lines = 1): Promise<string> {
  await sock.sendall(Buffer.from(text));
  let got = "";
  while (got.split("\n").length <= lines) {
    const data = await sock.recv(4096);
    if (data.length === 0) break;
    got += data.toString();
  }
  return got;
}

/** What the fixture's handleError wrote so far ("" before its first line). */
function readLog(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** "PID text" → [PID, text]. */
function parseReply(reply: string): [number, string] {
  const space = reply.indexOf(" ");
  return [Number(reply.slice(0, space)), reply.slice(space + 1)];
}

function tempDir(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "socketkit-forking-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

async function datagramRoundTrip(address: Address, dir: string, text: string): Promise<[string, Address | null]> {
  const unix = typeof address === "string";
  const c = new Socket(unix ? AF_UNIX : AF_INET, SOCK_DGRAM);
  try {
    c.settimeout(CALL_TIMEOUT);
    if (unix) c.bind(join(dir, `client-${text}.sock`));
    await c.sendto(Buffer.from(text), address);
    const [reply, from] = await c.recvfrom(1024);
    return [reply.toString(), from];
  } finally {
    c.close();
  }
}

const KINDS: Array<[kind: string, handler: string]> = [
  ["tcp", "stream"],
  ["tcp", "raw"],
  ["udp", "datagram"],
  ["unix-stream", "stream"],
  ["unix-dgram", "datagram"],
];

for (const [kind, handler] of KINDS) {
  test(`${kind} with the ${handler} handler: each request is handled in a worker process; serverClose closes the socket and ends the workers`, async () => {
    using tmp = tempDir();
    await withFixture(
      [kind, handler, "--pool", "1", "--max", "1", "--path", join(tmp.dir, "server.sock")],
      async (f) => {
        const address = await f.ready();
        const replies: string[] = [];
        for (const text of ["one", "two"]) {
          if (kind === "udp" || kind === "unix-dgram") {
            const [reply, from] = await datagramRoundTrip(address, tmp.dir, text);
            assert.deepEqual(from, address, "the reply comes from the server's own socket");
            replies.push(reply);
          } else {
            const c = await connect(address);
            replies.push((await exchange(c, `${text}\n`)).trimEnd());
            c.shutdown(SHUT_WR);
            assert.equal((await c.recv(100)).length, 0, "the worker shuts the connection down after the handler");
            c.close();
          }
        }
        const [[pid1, text1], [pid2, text2]] = replies.map(parseReply) as [[number, string], [number, string]];
        assert.deepEqual([text1, text2], ["one", "two"]);
        assert.notEqual(pid1, f.pid, "not handled in the server's own process");
        assert.deepEqual(await f.workers(), [pid1]);
        assert.equal(pid2, pid1, "the idle worker takes the next request");
        assert.deepEqual(await f.close(), { active: 0, workers: 0, fd: -1 });
        assert.equal(await f.exit, 0, f.stderr);
        await waitFor("the worker to be gone", () => (isAlive(pid1) ? undefined : true));
      },
    );
  });
}

test("a program a handler starts inherits none of the worker's own descriptors (its channel to the parent at fd 3)", async () => {
  await withFixture(["tcp", "stream", "--pool", "1"], async (f) => {
    const c = await connect(await f.ready());
    const [pid, listing] = parseReply(await exchange(c, "inherited\n"));
    assert.notEqual(pid, f.pid, "the handler ran in a worker");
    // Beyond its standard streams the shell may hold what the test's own environment passed down (a pipe of the
    // terminal's, say), and its command substitution's pipe; never a socket of the worker's.
    const sockets = listing
      .trim()
      .split(" ")
      .filter((entry) => Number(entry.split("=")[0]) > 2 && entry.includes("socket:"));
    assert.deepEqual(sockets, [], "the shell found no socket beyond its standard streams");
    c.close();
    assert.deepEqual(await f.close(), { active: 0, workers: 0, fd: -1 });
  });
});

test("an error in a handler goes to handleError in the worker, ends that connection only, and the server goes on", async () => {
  using tmp = tempDir();
  const log = join(tmp.dir, "log");
  await withFixture(["tcp", "stream", "--pool", "1", "--log", log], async (f) => {
    const address = await f.ready();
    const bystander = await connect(address);
    const [bystanderPid] = parseReply(await exchange(bystander, "before\n"));

    const c = await connect(address);
    assert.equal(await exchange(c, "throw\n"), "", "the failing request's client reads end of file");
    c.close();
    const [line] = readLog(log).trim().split("\n");
    assert.match(line!, /^handleError (\d+) handler failed on purpose$/);
    assert.notEqual(Number(line!.split(" ")[1]), f.pid, "handleError ran in the worker");

    assert.equal(parseReply(await exchange(bystander, "after\n"))[1], "after\n");
    assert.equal(parseReply(await exchange(bystander, "still\n"))[0], bystanderPid);
    bystander.close();
    assert.deepEqual(await f.close(), { active: 0, workers: 0, fd: -1 });
  });
});

test("a handler that ends its process costs only its own request: handleError hears of it and a new worker serves on", async () => {
  using tmp = tempDir();
  const log = join(tmp.dir, "log");
  await withFixture(["tcp", "stream", "--pool", "1", "--log", log], async (f) => {
    const address = await f.ready();
    const c = await connect(address);
    const [pid] = parseReply(await exchange(c, "hi\n"));
    await assert.rejects(
      exchange(c, "exit\n"),
      ConnectionResetError,
      "the parent resets the client of a worker that died",
    );
    c.close();
    await waitFor("handleError in the parent", () => (/exited with code 3/.test(readLog(log)) ? true : undefined));
    assert.match(
      readLog(log),
      new RegExp(`^handleError ${f.pid} worker process ${pid} exited with code 3 before finishing the request$`, "m"),
    );
    const next = await connect(address);
    const [newPid, text] = parseReply(await exchange(next, "next\n"));
    assert.equal(text, "next\n");
    assert.notEqual(newPid, pid);
    next.close();
    assert.deepEqual(await f.close(), { active: 0, workers: 0, fd: -1 });
  });
});

test("a worker killed with SIGKILL mid-request resets only its own client; the others are served and it is replaced", async () => {
  await withFixture(["tcp", "stream", "--pool", "2"], async (f) => {
    const address = await f.ready();
    const victim = await connect(address);
    const [victimPid, said] = parseReply(await exchange(victim, "hang\n"));
    assert.equal(said, "hanging\n");
    const other = await connect(address);
    const [otherPid] = parseReply(await exchange(other, "first\n"));
    assert.notEqual(otherPid, victimPid, "a hanging handler holds only its own worker");

    f.seen.add(victimPid);
    process.kill(victimPid, "SIGKILL");
    await assert.rejects(victim.recv(100), ConnectionResetError);
    victim.close();

    assert.deepEqual(parseReply(await exchange(other, "second\n")), [otherPid, "second\n"]);
    other.close();
    const fresh = await connect(address);
    assert.equal(parseReply(await exchange(fresh, "fresh\n"))[1], "fresh\n");
    fresh.close();
    let workers: number[] = [];
    for (let i = 0; i < 100 && (workers = await f.workers()).length < 2; i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(workers.length, 2);
    assert.ok(!workers.includes(victimPid));
    assert.deepEqual(await f.close(), { active: 0, workers: 0, fd: -1 });
  });
});

test("blockOnClose: serverClose waits for the request in progress; with blockOnClose false it does not", async () => {
  await withFixture(["tcp", "stream", "--pool", "1"], async (f) => {
    const address = await f.ready();
    const c = await connect(address);
    const [pid] = parseReply(await exchange(c, "hi\n"));
    f.child.stdin.write("close\n");
    await f.line("closing");
    // The server no longer accepts, and serverClose() has begun; this request is still served to its end.
    assert.deepEqual(parseReply(await exchange(c, "last\n")), [pid, "last\n"]);
    assert.equal(f.printed("closed "), false, "serverClose has not returned while the request goes on");
    c.shutdown(SHUT_WR);
    assert.equal((await c.recv(100)).length, 0);
    c.close();
    assert.deepEqual(JSON.parse(await f.line("closed ")), { active: 0, workers: 0, fd: -1 });
  });
  await withFixture(["tcp", "stream", "--pool", "1", "--no-block-on-close"], async (f) => {
    const address = await f.ready();
    const c = await connect(address);
    const [pid] = parseReply(await exchange(c, "hang\n"));
    f.seen.add(pid);
    const closed = await f.close();
    assert.equal(closed.fd, -1);
    assert.equal(closed.active, 1, "the hanging request is still in progress when serverClose returns");
    assert.equal(await f.exit, 0);
    assert.ok(isAlive(pid), "the worker goes on with its request");
    c.close();
  });
});

test("2,000 requests leave no process and no descriptor behind", async () => {
  await withFixture(["tcp", "raw", "--pool", "2", "--max", "2"], async (f) => {
    const address = await f.ready();
    const one = async () => {
      const c = await connect(address);
      await c.sendall(Buffer.from("x"));
      const reply = await c.recv(100);
      c.close();
      return reply.toString();
    };
    await one();
    /** The server's descriptors once no request is in progress (the parent holds a connection until "done"). */
    const settled = async () => {
      for (let i = 0; ; i++) {
        const { active, fds } = await f.stats();
        if (active === 0) return fds;
        if (i === 200) throw new Error(`${active} requests still in progress`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const baseline = await settled();
    const pids = new Set<number>();
    const loop = async (n: number) => {
      for (let i = 0; i < n; i++) pids.add(parseReply(await one())[0]);
    };
    await Promise.all(Array.from({ length: 8 }, () => loop(250)));
    for (const pid of pids) f.seen.add(pid);
    assert.ok(pids.size <= 2, `at most the pool's two workers served (${[...pids].join(",")})`);
    assert.equal(await settled(), baseline, "the server holds as many descriptors as before");
    const workers = await f.workers();
    assert.deepEqual(await f.close(), { active: 0, workers: 0, fd: -1 });
    assert.equal(await f.exit, 0, f.stderr);
    for (const pid of workers) await waitFor(`worker ${pid} to be gone`, () => (isAlive(pid) ? undefined : true));
  });
});

test("serveForever() takes no request before its warm pool is ready; startWorkers() resolves once it is", async () => {
  using tmp = tempDir();
  const log = join(tmp.dir, "log");
  const latch = join(tmp.dir, "latch");
  await withFixture(["tcp", "stream", "--pool", "2", "--log", log, "--worker-latch", latch], async (f) => {
    const sock = await connect(await f.ready());
    await sock.sendall(Buffer.from("first\n"));
    // A round trip through the parent's event loop after the connection and its line arrived.
    await f.stats();
    assert.equal(readLog(log), "", "the parent took no request while no worker could serve it");
    assert.equal(f.printed("workers ready"), false, "startWorkers() waits for the workers");
    writeFileSync(latch, "");
    await f.line("workers ready");
    const [pid, text] = parseReply(await exchange(sock, ""));
    sock.close();
    assert.equal(text, "first\n");
    const workers = await f.workers();
    assert.ok(workers.includes(pid), "a worker of the warm pool served it");
    const events = readLog(log)
      .trim()
      .split("\n")
      .map((l) => l.split(" ")[0]);
    assert.deepEqual(events, ["worker-start", "worker-start", "verify"], "both workers started before the accept");
    assert.deepEqual(await f.close(), { active: 0, workers: 0, fd: -1 });
  });
});

test("a forking server closed without serving starts no worker; a failed construction leaks no descriptor", async () => {
  const server = new ForkingTCPServer(["127.0.0.1", 0], BaseRequestHandler);
  assert.equal(server.maxChildren, 40);
  assert.equal(server.blockOnClose, true);
  assert.equal(server.timeout, 300, "Python's ForkingMixIn.timeout");
  assert.equal(server.activeChildren, null, "None before the first child, as Python's active_children");
  await server.collectChildren({ blocking: true });
  await server.serverClose();
  assert.equal(server.socket.fd, -1);
  assert.deepEqual(server.workerPids, []);

  const taken = new ForkingTCPServer(["127.0.0.1", 0], BaseRequestHandler);
  const before = openFdCount();
  for (let i = 0; i < 100; i++)
    assert.throws(() => new ForkingTCPServer(taken.serverAddress, BaseRequestHandler), OSError);
  assert.equal(openFdCount(), before);
  await taken.serverClose();
});

test("workers find their server by its forkingKey, not by construction order: a server constructed first only there stays inert", async () => {
  await withFixture(["tcp", "stream", "--pool", "1", "--decoy"], async (f) => {
    const address = await f.ready();
    const c = await connect(address);
    try {
      const [pid, text] = parseReply(await exchange(c, "which\n"));
      f.seen.add(pid);
      assert.equal(text, "which\n", "the fixture's own handler answered, not the decoy constructed before it");
      assert.ok((await f.workers()).includes(pid), "a worker of the pool answered");
    } finally {
      c.close();
    }
    assert.deepEqual(await f.close(), { active: 0, workers: 0, fd: -1 });
  });
});

test("two forking servers with one key cannot serve at once in one process: the second's serveForever() says why", async () => {
  await withFixture(["tcp", "stream", "--pool", "1", "--twin"], async (f) => {
    const refusal = await f.line("twin ");
    assert.match(
      refusal,
      /already has the key Server\(\["127\.0\.0\.1",0\], StreamEcho\): give each its own forkingKey/,
    );
    const address = await f.ready();
    const c = await connect(address);
    try {
      assert.equal(parseReply(await exchange(c, "first\n"))[1], "first\n", "the first server serves on");
    } finally {
      c.close();
    }
    await f.workers();
    assert.deepEqual(await f.close(), { active: 0, workers: 0, fd: -1 });
  });
});
