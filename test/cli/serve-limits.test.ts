// `socketkit serve --idle-timeout` and `--max-connections`, and the line serve logs when accept() meets the
// open-file limit: a slowloris bounded in count and time, an fd limit of 128 (prlimit) with 300 idle clients,
// the default cap fitted to that limit, and the options' own errors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { ConnectionResetError, createConnection, Socket } from "../../src/index.js";
import { runClient, start, startServer, type Run } from "../helpers/cli.js";
import { waitFor, within } from "../helpers/wait.js";

const HAVE_PRLIMIT = spawnSync("prlimit", ["--version"]).status === 0;
const noPrlimit = HAVE_PRLIMIT ? false : "prlimit (util-linux) is not installed.";

function fdsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function connect(port: number): Promise<Socket> {
  return createConnection(["127.0.0.1", port]);
}

/** A client bound first, so that its port is known even when the server resets it during connect(). */
async function client(port: number): Promise<{ sock: Socket; port: number }> {
  const sock = new Socket();
  sock.bind(["127.0.0.1", 0]);
  const own = sock.getsockname()[1];
  await sock.connect(["127.0.0.1", port]).catch((err: unknown) => {
    if (!(err instanceof ConnectionResetError)) throw err;
  });
  return { sock, port: own };
}

/** The client port each of the log's lines matching `pattern` names. */
function portsIn(log: string, pattern: RegExp): number[] {
  return [...log.matchAll(pattern)].map((m) => Number(m[1]));
}

/** The most clients the log shows connected at once (its "connected" and "disconnected" lines in order). */
function peakConnected(log: string): number {
  let open = 0;
  let peak = 0;
  for (const [, event] of log.matchAll(/^Client \('127\.0\.0\.1', \d+\) (connected|disconnected)$/gm)) {
    open += event === "connected" ? 1 : -1;
    peak = Math.max(peak, open);
  }
  return peak;
}

test("a slowloris of 20 silent clients against --max-connections 5 --idle-timeout 1: 5 held, closed when idle, 15 refused, one line each", async () => {
  const server = await startServer(["--idle-timeout", "1", "--max-connections", "5", "--lang", "en"]);
  try {
    assert.match(server.stdout(), /^Limits: idle timeout 1 s, at most 5 connections$/m);
    const baseline = fdsOf(server.child.pid!);
    const clients = await Promise.all(Array.from({ length: 20 }, () => client(server.port)));
    // One byte each, then nothing; a refused client's send fails, which is its answer.
    await Promise.all(clients.map((c) => c.sock.sendall(Buffer.from("x")).catch(() => {})));
    const ports = clients.map((c) => c.port).sort();
    const log = await waitFor(
      "a line for every client",
      () => {
        const out = server.stdout();
        const done = portsIn(out, /^(?:idle timeout: closed|max connections: refused) \('127\.0\.0\.1', (\d+)\)/gm);
        return done.length === 20 ? out : undefined;
      },
      20000,
    );
    const idle = portsIn(log, /^idle timeout: closed \('127\.0\.0\.1', (\d+)\) after \d+\.\d s without data$/gm);
    const refused = portsIn(log, /^max connections: refused \('127\.0\.0\.1', (\d+)\): 5 connections open$/gm);
    assert.deepEqual([...idle, ...refused].sort(), ports, "each client is closed for idleness or refused, once");
    assert.ok(peakConnected(log) <= 5, "never more than 5 held");
    assert.ok(idle.length >= 5 && refused.length >= 1, `${idle.length} closed when idle, ${refused.length} refused`);
    for (const c of clients) c.sock.close();
    await waitFor("the server's descriptors back", () => (fdsOf(server.child.pid!) === baseline ? true : undefined));
    assert.equal((await runClient(server.port, "after\n", ["--lang", "en"])).code, 0);
  } finally {
    server.child.kill("SIGKILL");
  }
});

/** Collects each line of `run`'s stdout with the time it arrived. */
function timedLines(run: Run): Array<{ at: number; line: string }> {
  const lines: Array<{ at: number; line: string }> = [];
  let partial = "";
  run.child.stdout.on("data", (d: string) => {
    const parts = (partial + d).split("\n");
    partial = parts.pop()!;
    for (const line of parts) lines.push({ at: performance.now(), line });
  });
  return lines;
}

/** serve on a free port under an open-file limit of 128 (soft and hard), started by prlimit. */
async function serveWith128Files(extra: string[]): Promise<Run & { port: number }> {
  const run = start(
    ["serve", "--host", "127.0.0.1", "--port", "0", "--lang", "en", ...extra],
    ["prlimit", "--nofile=128:128", process.execPath, "bin/socketkit.js"],
  );
  const port = await waitFor("the banner", () => /:(\d+) \(backlog/.exec(run.stdout())?.[1], 30000);
  return { ...run, port: Number(port) };
}

test(
  "at an open-file limit of 128 with 300 idle clients, one line per 5 s says so, with the server's own counts",
  { skip: noPrlimit },
  async () => {
    const server = await serveWith128Files(["--max-connections", "0"]);
    const lines = timedLines(server);
    const clients: Socket[] = [];
    try {
      for (let i = 0; i < 300; i++) clients.push(await connect(server.port));
      const pattern =
        /^too many open files: (\d+) connections open, limit 128 \(RLIMIT_NOFILE; (\d+) failed accepts? so far\)$/;
      const seen = await waitFor(
        "three lines",
        () => {
          const found = lines.filter((l) => pattern.test(l.line));
          return found.length >= 3 ? found : undefined;
        },
        30000,
      );
      const log = server.stdout();
      const held = log.match(/ connected$/gm)!.length - (log.match(/ disconnected$/gm)?.length ?? 0);
      const counts = seen.map((l) => pattern.exec(l.line)!.slice(1).map(Number));
      for (const [open] of counts) assert.equal(open, held, "N is the connections the server holds, as its log shows");
      assert.ok(held > 64 && held < 128, `${held} connections held under a limit of 128`);
      assert.ok(
        counts[1]![1]! > counts[0]![1]! && counts[2]![1]! > counts[1]![1]!,
        "failed accepts go on being counted",
      );
      for (let i = 1; i < seen.length; i++) {
        const gap = seen[i]!.at - seen[i - 1]!.at;
        assert.ok(gap >= 4800, `line ${i + 1} came ${Math.round(gap)} ms after the one before`);
      }
      // It recovers on its own: once clients leave, the queued ones are taken and a new one is answered.
      for (const c of clients.splice(0)) c.close();
      assert.equal((await within(30000, "a client after", runClient(server.port, "back\n", ["--lang", "en"]))).code, 0);
    } finally {
      for (const c of clients) c.close();
      server.child.kill("SIGKILL");
    }
  },
);

test(
  "the default cap fits the open-file limit: at 128 files serve holds 96 and refuses the rest, never meeting EMFILE",
  { skip: noPrlimit },
  async () => {
    const server = await serveWith128Files([]);
    const clients: Socket[] = [];
    try {
      assert.match(
        server.stdout(),
        /^Limits: idle timeout 300 s, at most 96 connections \(open-file limit 128 less 32\)$/m,
      );
      // A refused client may learn it while connecting (the reset can beat connect()'s own check).
      for (let i = 0; i < 100; i++) clients.push((await client(server.port)).sock);
      // Refusals are decided in the accept loop, "connected" lines by each handler as it starts: wait for both.
      const count = (pattern: RegExp) => server.stdout().match(pattern)?.length ?? 0;
      await waitFor(
        "four refusals and 96 handlers started",
        () => (count(/^max connections: refused /gm) >= 4 && count(/ connected$/gm) >= 96 ? true : undefined),
        20000,
      );
      assert.equal(count(/^max connections: refused /gm), 4);
      assert.equal(count(/ connected$/gm), 96);
      assert.doesNotMatch(server.stdout(), /too many open files/);
    } finally {
      for (const c of clients) c.close();
      server.child.kill("SIGKILL");
    }
  },
);

test("--idle-timeout and --max-connections: 0 is none; a bad value names the option (exit 2); --help lists both", async () => {
  const none = await startServer(["--idle-timeout", "0", "--max-connections", "0", "--lang", "en"]);
  try {
    assert.match(none.stdout(), /^Limits: no idle timeout, no connection cap$/m);
  } finally {
    none.child.kill("SIGKILL");
  }
  for (const [option, value, message] of [
    ["--idle-timeout", "-1", "--idle-timeout must be a number of seconds from 0 to 31536000, got -1"],
    ["--max-connections", "many", "--max-connections must be a whole number from 0 to 2147483647, got many"],
  ] as const) {
    const run = start(["serve", "--port", "0", option, value]);
    assert.equal(await within(20000, "exit", run.exit), 2);
    assert.equal(run.stderr(), `socketkit serve: ${message}\n`);
  }
  const help = start(["serve", "--help"]);
  await within(20000, "help", help.exit);
  assert.match(help.stdout(), /--idle-timeout +seconds a connection may go without data either way/);
  assert.match(help.stdout(), /--max-connections most connections open at once/);
});
