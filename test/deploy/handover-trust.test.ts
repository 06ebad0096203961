// What a hand-over trusts: its path (the socket this user's, not a symbolic link, in directories nobody else may
// write to), the peer (SO_PEERCRED), and the listener a successor is offered (a listening TCP socket on the
// address it was told); and the offer itself: mode 0600 whatever the umask, each peer on its own deadline, so a
// silent peer blocks nobody. The attacks by another user are in test/sequential/deploy/handover-attacks.test.ts.
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  AF_INET6,
  AF_UNIX,
  HandoverRefusedError,
  offerListener,
  requestListener,
  SOCK_DGRAM,
  SOCK_STREAM,
  Socket,
  socketpair,
} from "../../src/index.js";
import {
  checkHandoverDirectory,
  checkHandoverSocket,
  checkOfferedListener,
  checkPeer,
} from "../../src/deploy/handover-trust.js";
import { readLine } from "../../src/deploy/handover.js";
import { sendFds } from "../../src/socket/messages.js";
import { openFdCount, waitFor, within } from "../helpers/wait.js";

const ROOT_USER = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), "socketkit-trust-"));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

/** A fresh directory under the test's own (mode 0700 unless told). */
function dir(mode = 0o700): string {
  const d = join(base, `d${n++}`);
  mkdirSync(d);
  chmodSync(d, mode);
  return d;
}

function refusedWith(message: string | RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HandoverRefusedError, String(err));
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}

function listening(address: [string, number] = ["127.0.0.1", 0], family?: number): Socket {
  const s = new Socket(family);
  s.bind(address);
  s.listen(5);
  return s;
}

test("the path: a directory writable by others, or a group, is refused; a sticky one above it is not", () => {
  const open = dir(0o777);
  assert.throws(
    () => checkHandoverDirectory(join(open, "h.sock")),
    refusedWith(`${join(open, "h.sock")}: the directory ${open} is writable by others (mode 0777)`),
  );
  const group = dir(0o770);
  assert.throws(() => checkHandoverDirectory(join(group, "h.sock")), refusedWith(/writable by others \(mode 0770\)/));
  // The test's own directory is under the system's temporary directory, sticky and writable by all (1777).
  const own = dir(0o755);
  checkHandoverDirectory(join(own, "h.sock"));
  const sticky = dir(0o1777);
  const inner = join(sticky, "inner");
  mkdirSync(inner, 0o700);
  checkHandoverDirectory(join(inner, "h.sock"));
  assert.throws(
    () => checkHandoverDirectory(join(base, "missing", "h.sock")),
    refusedWith(`${join(base, "missing", "h.sock")}: the directory ${join(base, "missing")} does not exist`),
  );
});

test(
  "the path: a directory of another user is refused",
  { skip: ROOT_USER ? false : "Handing a directory to another user needs root." },
  () => {
    const theirs = dir(0o755);
    chownSync(theirs, 65534, 65534);
    assert.throws(
      () => checkHandoverDirectory(join(theirs, "h.sock")),
      refusedWith(/the directory .* belongs to uid 65534, not to this server's user \(uid 0\) or root$/),
    );
  },
);

test("the socket: none is no predecessor; a symbolic link, a file or another user's socket is refused", () => {
  const d = dir();
  assert.equal(checkHandoverSocket(join(d, "none.sock")), false);
  const file = join(d, "file");
  writeFileSync(file, "");
  assert.throws(() => checkHandoverSocket(file), refusedWith(`${file} is not a socket`));
  const real = new Socket(AF_UNIX, SOCK_STREAM);
  real.bind(join(d, "real.sock"));
  symlinkSync(join(d, "real.sock"), join(d, "link.sock"));
  assert.throws(
    () => checkHandoverSocket(join(d, "link.sock")),
    refusedWith(`${join(d, "link.sock")} is a symbolic link, not the hand-over's socket`),
  );
  assert.equal(checkHandoverSocket(join(d, "real.sock")), true);
  if (ROOT_USER) {
    chownSync(join(d, "real.sock"), 65534, 65534);
    assert.throws(
      () => checkHandoverSocket(join(d, "real.sock")),
      refusedWith(`${join(d, "real.sock")} belongs to uid 65534, not to this server's user (uid 0)`),
    );
  }
  real.close();
});

test("the peer: SO_PEERCRED gives the other end's pid and uid, and this user's passes", () => {
  const [a, b] = socketpair();
  try {
    const peer = checkPeer(a, "the peer");
    assert.deepEqual([peer.pid, peer.uid], [process.pid, process.getuid!()]);
    assert.equal(checkPeer(b, "the peer").gid, process.getgid!());
  } finally {
    a.close();
    b.close();
  }
});

test("the listener: only a listening TCP socket on the address the successor was told", async () => {
  const from = "the server on P (pid 1)";
  const right = listening();
  const [, port] = right.getsockname() as [string, number];
  await checkOfferedListener(right, { address: ["127.0.0.1", port], family: 2 }, from);
  await checkOfferedListener(right, { address: ["localhost", port] }, from);
  // Port 0 (`serve --port 0`): any port on the host it was told.
  await checkOfferedListener(right, { address: ["127.0.0.1", 0] }, from);
  await assert.rejects(
    checkOfferedListener(right, { address: ["127.0.0.1", port + 1] }, from),
    refusedWith(`${from} offered a listener on 127.0.0.1:${port}, not on 127.0.0.1:${port + 1}`),
  );
  await assert.rejects(
    checkOfferedListener(right, { address: ["127.0.0.2", 0] }, from),
    refusedWith(`${from} offered a listener on 127.0.0.1:${port}, not on 127.0.0.2 (any port)`),
  );
  await assert.rejects(
    checkOfferedListener(right, { family: AF_INET6 }, from),
    refusedWith(`${from} offered an IPv4 listener on 127.0.0.1:${port}, not an IPv6 one`),
  );
  const udp = new Socket(2, SOCK_DGRAM);
  udp.bind(["127.0.0.1", 0]);
  const unlistened = new Socket();
  unlistened.bind(["127.0.0.1", 0]);
  for (const s of [udp, unlistened]) {
    await assert.rejects(
      checkOfferedListener(s, {}, from),
      refusedWith(/offered <socket\.socket .*>, not a listening TCP socket$/),
    );
    s.close();
  }
  right.close();
});

/** Runs an offer on a fresh path with the umask at 000 while it binds; resolves what it logged and handed. */
function offerIn(d: string, listener: Socket) {
  const path = join(d, "h.sock");
  const lines: string[] = [];
  let handedTo: number | null = null;
  const old = process.umask(0);
  let stop: () => void;
  try {
    stop = offerListener(path, listener, { log: (l) => lines.push(l), onHandedOver: (pid) => (handedTo = pid) });
  } finally {
    process.umask(old);
  }
  return { path, lines, handedTo: () => handedTo, stop: stop! };
}

test("the offer's socket is mode 0600 under umask 000; a successor gets a listener that serves the same queue", async () => {
  const listener = listening();
  const offer = offerIn(dir(), listener);
  try {
    assert.equal(statSync(offer.path).mode & 0o777, 0o600);
    const received = await within(
      10000,
      "the hand-over",
      requestListener(offer.path, { address: listener.getsockname() }),
    );
    assert.ok(received !== null);
    assert.equal(received.predecessorPid, process.pid);
    assert.deepEqual(received.listener.getsockname(), listener.getsockname());
    await received.confirm();
    await waitFor("the confirmation", () => offer.handedTo() ?? undefined);
    assert.equal(offer.handedTo(), process.pid);
    received.listener.close();
  } finally {
    offer.stop();
    listener.close();
  }
});

test("silent peers block no successor; one that takes a copy without confirming is logged, and the next gets it", async () => {
  const listener = listening();
  const offer = offerIn(dir(), listener);
  const silent: Socket[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const s = new Socket(AF_UNIX, SOCK_STREAM);
      await s.connect(offer.path);
      silent.push(s);
    }
    // The first successor is answered while the three silent peers still wait for their deadline.
    const first = await within(10000, "the first hand-over", requestListener(offer.path));
    assert.ok(first !== null);
    assert.equal(offer.lines.length, 0, "no silent peer had been dropped yet: none held the successor up");
    // It never confirms: it holds a copy (it is this user: trusted) and its turn, at most 3 s; then the next.
    const second = await within(15000, "the second hand-over", requestListener(offer.path));
    assert.ok(second !== null);
    await second.confirm();
    await waitFor("the hand-over", () => offer.handedTo() ?? undefined, 10000);
    for (const s of silent) assert.equal((await within(5000, "the silent peer's end", s.recv(1))).length, 0);
    assert.equal(offer.lines.filter((l) => l.endsWith("did not ask for the listener within 2 s; closed")).length, 3);
    assert.ok(
      offer.lines.includes(
        `hand-over: pid ${process.pid} took a copy of the listener but did not confirm within 3 s; still serving`,
      ),
      offer.lines.join("\n"),
    );
    for (const r of [first, second]) r.listener.close();
  } finally {
    for (const s of silent) s.close();
    offer.stop();
    listener.close();
  }
});

test("a successor refuses an answer that is not a listening TCP socket, and closes what it received", async () => {
  const d = dir();
  const path = join(d, "h.sock");
  const fake = new Socket(AF_UNIX, SOCK_STREAM);
  fake.bind(path);
  fake.listen(1);
  const udp = new Socket(2, SOCK_DGRAM);
  udp.bind(["127.0.0.1", 0]);
  const serving = (async () => {
    const [conn] = await fake.accept();
    await readLine(conn, null);
    await sendFds(conn, [Buffer.from('{"pid":1}\n')], [udp.fileno()]);
    return conn;
  })();
  try {
    const fds = openFdCount();
    await assert.rejects(
      requestListener(path),
      refusedWith(
        new RegExp(
          `^the server on ${path} \\(pid ${process.pid}\\) offered <socket\\.socket .*type=SocketKind\\.SOCK_DGRAM.*>, not a listening TCP socket$`,
        ),
      ),
    );
    assert.equal(openFdCount(), fds + 1, "only the fake server's accepted connection is still open");
    (await serving).close();
  } finally {
    fake.close();
    udp.close();
  }
});
