// `socketkit serve --handover` attacked by another user, as issue #21 found it: serve runs as root, the attacker
// as nobody (setpriv), a plain Python program (hostile_peer.py). It must not be able to plant a listener on the
// path before the server starts, take the listener from a running server (even under umask 000), or stall a hand-
// over; and a successor takes only a listening TCP socket on its own address. Root only: CI runs as root.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { AF_UNIX, SOCK_STREAM, Socket } from "../../../src/index.js";
import { recvFds } from "../../../src/socket/messages.js";
import { runClient, start, startServer, type Run } from "../../helpers/cli.js";
import { freePort } from "../../helpers/ports.js";
import { killAll } from "../../helpers/processes.js";
import { waitFor, within } from "../../helpers/wait.js";

const NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];
const PEER = readFileSync(new URL("hostile_peer.py", import.meta.url), "utf8");

/** A python3 that nobody may run (a pyenv shim under /root is not one), or null. */
function nobodysPython(): string | null {
  for (const candidate of ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"]) {
    if (spawnSync(NOBODY[0]!, [...NOBODY.slice(1), candidate, "-c", "pass"]).status === 0) return candidate;
  }
  return null;
}

const ROOT_USER = process.getuid?.() === 0;
const PYTHON = ROOT_USER ? nobodysPython() : null;
const skip = !ROOT_USER
  ? "The attacks run the attacker as another user (setpriv), which needs root."
  : PYTHON === null
    ? "No python3 that the user nobody can run (setpriv from util-linux and python3 are needed)."
    : false;

const base = mkdtempSync(join(tmpdir(), "socketkit-attacks-"));
// The attacker must reach the paths under it: traversable by all, writable only by root.
chmodSync(base, 0o755);
const pids = new Set<number>();
after(() => {
  killAll(pids);
  rmSync(base, { recursive: true, force: true });
});
let n = 0;

function directory(mode: number): string {
  const d = join(base, `d${n++}`);
  mkdirSync(d);
  chmodSync(d, mode);
  return d;
}

/** Runs hostile_peer.py with `args`, as nobody unless `asRoot`; `fd3` is passed at its fd 3. */
function hostile(args: string[], options: { asRoot?: boolean; fd3?: number } = {}): Run {
  const command = [...(options.asRoot ? [] : NOBODY), PYTHON!, "-c", PEER, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    stdio: ["pipe", "pipe", "pipe", ...(options.fd3 === undefined ? [] : [options.fd3])],
  });
  pids.add(child.pid!);
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child: child as Run["child"], stdout: () => out, stderr: () => err, exit };
}

/** The plant's own TCP port, once it says it is ready. */
function planted(peer: Run): Promise<number> {
  return waitFor("the plant", () => /planted (\d+)/.exec(peer.stdout())?.[1], 20000).then(Number);
}

/**
 * A plant on a path in a root-owned directory: root binds the name (so the file is root's), nobody listens on it
 * (so the kernel records nobody as the peer) and offers its own listener.
 */
async function plantListenedByNobody(): Promise<[string, Run]> {
  const path = join(directory(0o755), "h.sock");
  const bound = new Socket(AF_UNIX, SOCK_STREAM);
  bound.bind(path);
  const peer = hostile(["plant", "fd3", "tcp"], { fd3: bound.fileno() });
  bound.close();
  await planted(peer);
  return [path, peer];
}

/** serve on a free port with the hand-over at `path`; resolves its exit code, stderr and the port. */
async function refusedServe(path: string): Promise<{ code: number | null; stderr: string; port: number }> {
  const port = freePort();
  const run = start(["serve", "--host", "127.0.0.1", "--port", String(port), "--handover", path, "--lang", "en"]);
  const code = await within(30000, "serve's exit", run.exit);
  return { code, stderr: run.stderr(), port };
}

test(
  "plant under a directory others can write: refused before connecting, naming the directory",
  { skip },
  async () => {
    const open = directory(0o1777);
    const path = join(open, "h.sock");
    const peer = hostile(["plant", path, "tcp"]);
    await planted(peer);
    assert.equal(statSync(path).uid, 65534, "nobody's socket is at the path");
    const r = await refusedServe(path);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `socketkit serve: Cannot serve on 127.0.0.1:${r.port}: hand-over refused: ${path}: the directory ${open} is writable by others (mode 1777)\n`,
    );
    assert.doesNotMatch(peer.stdout(), /asked/, "the server never connected to the plant");
    peer.child.kill();
  },
);

test(
  "plant on a root-owned path, listened on by nobody: refused by SO_PEERCRED, naming its pid and uid",
  { skip },
  async () => {
    const [path, peer] = await plantListenedByNobody();
    const r = await refusedServe(path);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `hand-over refused: the server offering on ${path} \\(pid ${peer.child.pid}\\) runs as uid 65534, not as this server's user \\(uid 0\\) or root\\n$`,
      ),
    );
    assert.doesNotMatch(peer.stdout(), /asked b'LISTENER/, "nothing was asked of it");
    peer.child.kill();
  },
);

test("plant whose socket file belongs to nobody: refused by its owner", { skip }, async () => {
  const [path, peer] = await plantListenedByNobody();
  chownSync(path, 65534, 65534);
  const r = await refusedServe(path);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(`hand-over refused: ${path} belongs to uid 65534, not to this server's user \\(uid 0\\)\\n$`),
  );
  peer.child.kill();
});

test(
  "a listener not on --host/--port, or not a listening TCP socket, is refused, saying which it got",
  { skip },
  async () => {
    for (const kind of ["tcp", "udp"]) {
      const path = join(directory(0o755), "h.sock");
      // Root itself offers: past the path and SO_PEERCRED checks, only the socket is wrong.
      const peer = hostile(["plant", path, kind], { asRoot: true });
      const theirs = await planted(peer);
      const r = await refusedServe(path);
      assert.equal(r.code, 1);
      const from = `the server on ${path} \\(pid ${peer.child.pid}\\)`;
      const wrong =
        kind === "tcp"
          ? `${from} offered a listener on 127\\.0\\.0\\.1:${theirs}, not on 127\\.0\\.0\\.1:${r.port}`
          : `${from} offered <socket\\.socket .*SOCK_DGRAM.*laddr=\\('127\\.0\\.0\\.1', ${theirs}\\)>, not a listening TCP socket`;
      assert.match(r.stderr, new RegExp(`hand-over refused: ${wrong}\\n$`));
      // It asked, got the socket, checked it, and left without confirming.
      await waitFor("the plant's log", () => (/answered b''/.test(peer.stdout()) ? true : undefined));
      peer.child.kill();
    }
  },
);

/** `socketkit serve` on a free port, started by sh after `umask 000`; resolves once it serves, with its port. */
async function serveUnderUmask000(extra: string[]): Promise<Run & { port: number }> {
  const umask000 = ["sh", "-c", 'umask 000; exec "$0" "$@"', process.execPath, "bin/socketkit.js"];
  const run = start(["serve", "--host", "127.0.0.1", "--port", "0", ...extra], umask000);
  const port = await waitFor("the banner", () => /:(\d+) \(backlog/.exec(run.stdout())?.[1], 30000);
  return { ...run, port: Number(port) };
}

test(
  "take: the offer is mode 0600 under umask 000; with the mode opened, SO_PEERCRED still gives nobody nothing",
  { skip },
  async () => {
    const path = join(directory(0o755), "h.sock");
    const server = await serveUnderUmask000(["--handover", path, "--lang", "en"]);
    try {
      await waitFor("the offer", () => (statSync(path, { throwIfNoEntry: false }) ? true : undefined));
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const denied = hostile(["take", path]);
      await within(20000, "the attacker", denied.exit);
      assert.equal(denied.stdout(), "EACCES\n", denied.stderr());
      // As if the mode were wrong: the peer check alone must hold.
      chmodSync(path, 0o666);
      const taker = hostile(["take", path]);
      await within(20000, "the attacker", taker.exit);
      assert.equal(taker.stdout(), "received 0 descriptors b''\nclosed by the server\n");
      await waitFor("the refusal", () => (/hand-over: refused/.test(server.stdout()) ? true : undefined));
      assert.match(
        server.stdout(),
        new RegExp(
          `hand-over: refused a process asking for the listener \\(pid ${taker.child.pid}\\) runs as uid 65534, not as this server's user \\(uid 0\\) or root\\n`,
        ),
      );
      assert.equal((await runClient(server.port, "still\n", ["--lang", "en"])).stdout.includes("still"), true);
      assert.doesNotMatch(server.stdout(), /serves the listener now/);
    } finally {
      server.child.kill("SIGKILL");
    }
  },
);

test(
  "stall: silent and unconfirmed peers, several in turn, hold nothing up; the real successor takes over",
  { skip },
  async () => {
    const path = join(directory(0o755), "h.sock");
    const a = await startServer(["--handover", path, "--lang", "en", "--reply-prefix", "A:"]);
    const held: Socket[] = [];
    try {
      await waitFor("the offer", () => (statSync(path, { throwIfNoEntry: false }) ? true : undefined));
      chmodSync(path, 0o666);
      const stranger = hostile(["silent", path]);
      await within(20000, "the stranger", stranger.exit);
      assert.equal(
        stranger.stdout(),
        "connected\nreceived 0 descriptors b''\n",
        "nobody is closed at once, given nothing",
      );
      for (let i = 0; i < 3; i++) {
        const s = new Socket(AF_UNIX, SOCK_STREAM);
        await s.connect(path);
        held.push(s);
      }
      // root asking and never confirming is trusted with a copy (it could take one anyway); its turn is bounded.
      const taker = new Socket(AF_UNIX, SOCK_STREAM);
      await taker.connect(path);
      held.push(taker);
      await taker.sendall(Buffer.from("LISTENER? 1\n"));
      const [, fds] = await within(10000, "the copy", recvFds(taker, 256, 1));
      assert.equal(fds.length, 1);
      const b = start(["serve", "--host", "127.0.0.1", "--port", String(a.port), "--handover", path, "--lang", "en"]);
      assert.equal(await within(30000, "the first server's exit", a.exit), 0);
      await waitFor("the successor's banner", () => (/handed over by pid/.test(b.stdout()) ? true : undefined), 10000);
      assert.match(
        b.stdout(),
        new RegExp(
          `Serving on 127\\.0\\.0\\.1:${a.port} \\(backlog \\d+, handed over by pid ${a.child.pid} to pid ${b.child.pid}\\)`,
        ),
      );
      assert.equal(a.stdout().match(/did not ask for the listener within 2 s; closed/g)?.length, 3, a.stdout());
      assert.match(
        a.stdout(),
        /hand-over: pid \d+ took a copy of the listener but did not confirm within 3 s; still serving/,
      );
      assert.match(a.stdout(), /hand-over: refused a process asking for the listener \(pid \d+\) runs as uid 65534/);
      b.child.kill("SIGTERM");
      assert.equal(await within(10000, "the successor's exit", b.exit), 0);
    } finally {
      for (const s of held) s.close();
      a.child.kill("SIGKILL");
    }
  },
);
