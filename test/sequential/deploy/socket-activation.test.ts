// systemd socket activation: listenFds() follows sd_listen_fds(3), and `socketkit serve` serves on a socket
// passed at fd 3 — by a parent playing systemd, and by systemd-socket-activate running the unit pair in docs/.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { BaseRequestHandler, SO_ACCEPTCONN, SOL_SOCKET, Socket, ThreadingTCPServer } from "../../../src/index.js";
import { listenFds } from "../../../src/deploy/socket-activation.js";
import { ROOT } from "../../helpers/cli.js";
import { waitFor, within } from "../../helpers/wait.js";

const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** Runs `command` with `fd` at descriptor 3 and LISTEN_* set as systemd sets them (LISTEN_PID is the exec'd pid). */
function activate(fd: number, listenPid: string, args: string[]) {
  const script = `LISTEN_PID=${listenPid} LISTEN_FDS=1 LISTEN_FDNAMES=echo exec "$@"`;
  const child = spawn("sh", ["-c", script, "sh", process.execPath, "bin/socketkit.js", ...args], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe", fd],
    env: { ...process.env, LANG: "en_US.UTF-8" },
  });
  children.add(child);
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => (children.delete(child), r(code))));
  return { child, out: () => out, exit };
}

async function roundTrip(port: number, text: string): Promise<string> {
  const c = new Socket();
  c.settimeout(10);
  try {
    await c.connect(["127.0.0.1", port]);
    await c.sendall(Buffer.from(text));
    return (await c.recv(1024)).toString();
  } finally {
    c.close();
  }
}

test("listenFds() ignores variables meant for another process, removes them, and refuses a LISTEN_FDS that is not a count", () => {
  const env: NodeJS.ProcessEnv = { LISTEN_PID: String(process.pid + 1), LISTEN_FDS: "1", LISTEN_FDNAMES: "x" };
  assert.deepEqual(listenFds(true, env), []);
  assert.deepEqual(env, {});
  assert.deepEqual(listenFds(true, { LISTEN_PID: String(process.pid), LISTEN_FDS: "0" }), []);
  assert.throws(() => listenFds(true, { LISTEN_PID: String(process.pid), LISTEN_FDS: "one" }), {
    name: "RangeError",
    message: 'LISTEN_FDS must be a count of descriptors, got "one"',
  });
});

test("useSocket() puts a server on a socket passed at start-up and refuses one that does not listen", async () => {
  class Echo extends BaseRequestHandler {
    override async handle(): Promise<void> {
      await this.request.sendall(await this.request.recv(100));
    }
  }
  const listener = new Socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen(8);
  const server = new ThreadingTCPServer(["127.0.0.1", 1], Echo, false);
  assert.throws(() => server.useSocket(new Socket()), {
    name: "TypeError",
    message: /is not a listening socket of type 1/,
  });
  server.useSocket(listener);
  assert.deepEqual(server.serverAddress, listener.getsockname());
  const loop = server.serveForever(0.05);
  try {
    assert.equal(await roundTrip(server.serverAddress[1], "adopted"), "adopted");
  } finally {
    await server.shutdown();
    await loop;
    await server.serverClose();
  }
});

test("serve takes the socket at fd 3 when LISTEN_PID is its own: a client queued before it started is served", async () => {
  const listener = new Socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen(16);
  const port = listener.getsockname()[1];
  // Connected before the server process exists: the kernel queues it on the socket systemd would hold.
  const early = roundTrip(port, "early\n");
  const run = activate(listener.fileno(), "$$", ["serve", "--port", "1", "--reply-prefix", ""]);
  try {
    assert.equal(await within(20000, "the queued client", early), "early\n");
    assert.match(
      run.out(),
      // The backlog is the one the kernel reports for systemd's socket (listen(16) above), not serve's --backlog.
      new RegExp(
        `Serving on 127\\.0\\.0\\.1:${port} \\(backlog 16, from systemd: LISTEN_FDS, echo; --backlog 511 applies only to a socket bound here\\)`,
      ),
    );
    run.child.kill("SIGTERM");
    assert.equal(await within(10000, "exit", run.exit), 0);
    // The socket is ours (the service manager's) again: the server's exit did not close it.
    assert.equal(listener.getsockopt(SOL_SOCKET, SO_ACCEPTCONN), 1);
  } finally {
    run.child.kill("SIGKILL");
    listener.close();
  }
});

test("serve ignores LISTEN_FDS meant for another pid and binds its own address", async () => {
  const listener = new Socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen(16);
  const run = activate(listener.fileno(), "1", ["serve", "--host", "127.0.0.1", "--port", "0"]);
  try {
    const port = await waitFor("serving", () => /127\.0\.0\.1:(\d+) \(backlog/.exec(run.out())?.[1], 20000);
    assert.notEqual(Number(port), listener.getsockname()[1]);
    assert.doesNotMatch(run.out(), /from systemd/);
  } finally {
    run.child.kill("SIGKILL");
    listener.close();
  }
});

const HAVE_ACTIVATE = spawnSync("systemd-socket-activate", ["--version"]).status === 0;

test(
  "the unit pair in docs/systemd passes systemd-analyze and serves under systemd-socket-activate",
  { skip: HAVE_ACTIVATE ? false : "systemd-socket-activate (Debian's systemd package) is not installed." },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "socketkit-units-"));
    try {
      const socketUnit = readFileSync(join(ROOT, "docs/systemd/socketkit-echo.socket"), "utf8");
      const serviceUnit = readFileSync(join(ROOT, "docs/systemd/socketkit-echo.service"), "utf8");
      copyFileSync(join(ROOT, "docs/systemd/socketkit-echo.socket"), join(dir, "socketkit-echo.socket"));
      writeFileSync(
        join(dir, "socketkit-echo.service"),
        serviceUnit.replace("/usr/local/bin/socketkit", join(ROOT, "bin/socketkit.js")),
      );
      const verify = spawnSync("systemd-analyze", ["verify", "socketkit-echo.socket", "socketkit-echo.service"], {
        cwd: dir,
        encoding: "utf8",
      });
      assert.equal(verify.status, 0, verify.stderr);
      // The units' own settings, on a free port instead of 12345.
      const name = /^FileDescriptorName=(.+)$/m.exec(socketUnit)![1]!;
      const args = /^ExecStart=\/usr\/local\/bin\/socketkit (.+)$/m.exec(serviceUnit)![1]!.split(" ");
      const probe = new Socket();
      probe.bind(["127.0.0.1", 0]);
      const port = probe.getsockname()[1];
      probe.close();
      const child = spawn(
        "systemd-socket-activate",
        [
          "-l",
          `127.0.0.1:${port}`,
          `--fdname=${name}`,
          "-E",
          "LANG=en_US.UTF-8",
          process.execPath,
          "bin/socketkit.js",
          ...args,
        ],
        { cwd: ROOT },
      );
      children.add(child);
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      const exit = new Promise<number | null>((r) => child.on("exit", (code) => (children.delete(child), r(code))));
      await waitFor("systemd-socket-activate listening", () => (/Listening on/.test(out) ? true : undefined), 10000);
      // systemd-socket-activate starts the service on the first connection, as systemd does.
      assert.match(await within(20000, "first client", roundTrip(port, "hello")), /hello$/);
      assert.match(
        out,
        new RegExp(`Serving on 127\\.0\\.0\\.1:${port} \\(backlog \\d+, from systemd: LISTEN_FDS, ${name}[;)]`),
      );
      child.kill("SIGTERM");
      assert.equal(await within(10000, "exit", exit), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
