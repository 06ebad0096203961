// `socketkit serve --metrics`: the serving process's own counters at /metrics, as its log tells the same events —
// idle closes and refusals at the cap, accept() meeting an open-file limit of 128 (prlimit) — promtool's lint on a
// scrape, a successor of a hand-over taking the metrics port over, and the option's errors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { SERVE_FAMILY_TYPES } from "../../src/cli/serve-metrics.js";
import { ConnectionResetError, createConnection, Socket } from "../../src/index.js";
import { ROOT, runClient, start, startServer, type Run } from "../helpers/cli.js";
import { childrenOf, isAlive, killAll } from "../helpers/processes.js";
import { waitFor, within } from "../helpers/wait.js";

const HAVE_PRLIMIT = spawnSync("prlimit", ["--version"]).status === 0;
const HAVE_PROMTOOL = spawnSync("promtool", ["--version"]).status === 0;
const PROMETHEUS_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

const FAMILIES = SERVE_FAMILY_TYPES;

/** The value of `name` + `labels` in a text-format scrape, or undefined. */
function valueOf(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** The metrics URL serve's log names. */
function metricsUrl(run: Run): Promise<string> {
  return waitFor("the metrics line", () => /^Metrics: (http:\S+)$/m.exec(run.stdout())?.[1], 30000);
}

async function scrape(url: string, accept?: string): Promise<string> {
  const res = await fetch(url, accept === undefined ? {} : { headers: { accept } });
  assert.equal(res.status, 200);
  return res.text();
}

/** A client bound first, so that its port is known even when the server resets it during connect(). */
async function client(port: number): Promise<Socket> {
  const sock = new Socket();
  sock.bind(["127.0.0.1", 0]);
  await sock.connect(["127.0.0.1", port]).catch((err: unknown) => {
    if (!(err instanceof ConnectionResetError)) throw err;
  });
  return sock;
}

function count(log: string, pattern: RegExp): number {
  return log.match(pattern)?.length ?? 0;
}

test("a scrape has every family with HELP and TYPE; promtool accepts it; OpenMetrics when asked; loopback by default", async () => {
  const server = await startServer(["--metrics", "0", "--lang", "en"]);
  try {
    const url = await metricsUrl(server);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const text = await scrape(url);
    for (const [name, type] of FAMILIES) {
      assert.match(text, new RegExp(`^# HELP ${name} \\S`, "m"), name);
      assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, "m"), name);
    }
    assert.equal(valueOf(text, "socketkit_server_accept_errors_total", '{reason="emfile"}'), 0);
    assert.equal(valueOf(text, "socketkit_server_accept_errors_total", '{reason="enfile"}'), 0);
    assert.equal(valueOf(text, "socketkit_server_max_connections"), 10000);
    assert.ok(valueOf(text, "process_open_fds")! > 3);
    if (HAVE_PROMTOOL) {
      const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.equal(check.stdout + check.stderr, "", "and has nothing to say about it");
    }
    const open = await fetch(url, { headers: { accept: PROMETHEUS_ACCEPT } });
    assert.equal(open.headers.get("content-type"), "application/openmetrics-text; version=1.0.0; charset=utf-8");
    const body = await open.text();
    assert.match(body, /^# TYPE socketkit_server_accept_errors counter$/m);
    assert.match(body, /^socketkit_server_accept_errors_total\{reason="emfile"\} 0$/m);
    assert.ok(body.endsWith("# EOF\n"));
    assert.equal((await fetch(url.replace("/metrics", "/nothing"))).status, 404);
  } finally {
    server.child.kill("SIGKILL");
  }
});

test("the idle-timeout and max-connections counters move as the log lines say", async () => {
  const server = await startServer(["--idle-timeout", "1", "--max-connections", "3", "--metrics", "0", "--lang", "en"]);
  const clients: Socket[] = [];
  try {
    const url = await metricsUrl(server);
    for (let i = 0; i < 8; i++) clients.push(await client(server.port));
    await Promise.all(clients.map((c) => c.sendall(Buffer.from("x")).catch(() => {})));
    const lines = /^(?:idle timeout: closed|max connections: refused) /gm;
    const log = await waitFor(
      "a line for every client",
      () => (count(server.stdout(), lines) === 8 ? server.stdout() : undefined),
      20000,
    );
    await waitFor(
      "every handler ended",
      () => (count(server.stdout(), / disconnected$/gm) === count(log, / connected$/gm) ? true : undefined),
      10000,
    );
    const text = await scrape(url);
    const idle = count(log, /^idle timeout: closed /gm);
    const refused = count(log, /^max connections: refused /gm);
    assert.ok(idle >= 3 && refused >= 1, `${idle} idle, ${refused} refused`);
    assert.equal(valueOf(text, "socketkit_server_connections_closed_idle_total"), idle);
    assert.equal(valueOf(text, "socketkit_server_connections_refused_total", '{reason="max_connections"}'), refused);
    assert.equal(valueOf(text, "socketkit_server_connections_total"), count(log, / connected$/gm));
    assert.equal(valueOf(text, "socketkit_server_connections_open"), 0);
    assert.equal(valueOf(text, "socketkit_server_max_connections"), 3);
  } finally {
    for (const c of clients) c.close();
    server.child.kill("SIGKILL");
  }
});

/** The failed accepts the last "too many open files" line of `log` counts, or undefined before one. */
function lastReportedTotal(log: string): number | undefined {
  const all = [
    ...log.matchAll(
      /^too many open files: \d+ connections open, limit 128 \(RLIMIT_NOFILE; (\d+) failed accepts? so far\)$/gm,
    ),
  ];
  return all.length === 0 ? undefined : Number(all.at(-1)![1]);
}

/**
 * Scrapes until the emfile counter equals the failed accepts the log's last open-file line reports, within 15 s (the
 * last line comes at most one interval, 5 s, after the last failure, with the whole count).
 */
async function agreement(url: string, server: Run): Promise<[number, string]> {
  let seen = "no scrape";
  return waitFor(
    () => `the emfile counter to equal the log's total: ${seen}`,
    async (): Promise<[number, string] | undefined> => {
      const text = await within(5000, "a scrape", scrape(url));
      const emfile = valueOf(text, "socketkit_server_accept_errors_total", '{reason="emfile"}');
      const total = lastReportedTotal(server.stdout());
      seen = `the counter says ${emfile}, the log ${total}`;
      return total !== undefined && total === emfile ? [total, text] : undefined;
    },
    15000,
    200,
  );
}

test(
  "at an open-file limit of 128, the emfile counter equals the failed accepts the log reports; serve outlives scrapes it cannot take",
  { skip: HAVE_PRLIMIT ? false : "prlimit (util-linux) is not installed." },
  async (t) => {
    const server = start(
      ["serve", "--host", "127.0.0.1", "--port", "0", "--lang", "en", "--max-connections", "0", "--metrics", "0"],
      ["prlimit", "--nofile=128:128", process.execPath, "bin/socketkit.js"],
    );
    const clients: Socket[] = [];
    try {
      const port = Number(await waitFor("the banner", () => /:(\d+) \(backlog/.exec(server.stdout())?.[1], 30000));
      const url = await metricsUrl(server);
      const before = await scrape(url);
      assert.equal(valueOf(before, "process_max_fds"), 128);
      assert.equal(valueOf(before, "socketkit_server_accept_errors_total", '{reason="emfile"}'), 0);
      for (let i = 0; i < 300; i++) clients.push(await createConnection(["127.0.0.1", port]));
      const first = await waitFor("the first open-file line", () => lastReportedTotal(server.stdout()), 30000);
      const held = await waitFor(
        "a second one",
        () => {
          const total = lastReportedTotal(server.stdout());
          return total !== undefined && total > first ? total : undefined;
        },
        30000,
      );
      // Out of descriptors, the endpoint cannot take the scrape (libuv drops it); the process must go on.
      const during = await within(
        20000,
        "a scrape while out of descriptors",
        fetch(url).then(
          (r) => `HTTP ${r.status}`,
          (err: Error) => `failed (${err.cause instanceof Error ? err.cause.message : err.message})`,
        ),
      );
      for (const c of clients.splice(0)) c.close();
      assert.equal((await within(30000, "a client after", runClient(port, "back\n", ["--lang", "en"]))).code, 0);
      const [reported, scraped] = await agreement(url, server);
      assert.ok(reported >= held);
      t.diagnostic(`a scrape while out of descriptors: ${during}; ${reported} failed accepts, logged and counted`);
      assert.equal(valueOf(scraped, "socketkit_server_accept_errors_total", '{reason="enfile"}'), 0);
      assert.ok(valueOf(scraped, "process_open_fds")! <= 128);
      assert.equal(server.child.exitCode, null, "serve is still running");
    } finally {
      for (const c of clients) c.close();
      server.child.kill("SIGKILL");
    }
  },
);

/** Worker `n`'s lines since it last started (its last "Serving" line): what its counters have seen. */
function sinceStart(log: string, n: number): string {
  const lines = log.split("\n").filter((l) => l.startsWith(`[worker ${n}] `));
  const last = lines.findLastIndex((l) => / Serving on /.test(l));
  return lines.slice(last).join("\n");
}

/** Each worker's counters in `text` against its own log lines since it started. */
function assertEachWorker(text: string, log: string): void {
  for (const n of [1, 2]) {
    const own = sinceStart(log, n);
    const [connected, disconnected] = [count(own, / connected$/gm), count(own, / disconnected$/gm)];
    const w = `{worker="${n}"}`;
    assert.equal(valueOf(text, "socketkit_server_connections_total", w), connected, `worker ${n}`);
    assert.equal(valueOf(text, "socketkit_server_connections_open", w), connected - disconnected, `worker ${n}`);
    const refused = valueOf(
      text,
      "socketkit_server_connections_refused_total",
      `{worker="${n}",reason="max_connections"}`,
    );
    assert.equal(refused, count(own, /max connections: refused /gm), `worker ${n}`);
    assert.equal(valueOf(text, "socketkit_server_max_connections", w), 1);
  }
}

/** Scrapes until every worker answered (a starting one may not yet), within 20 s. */
async function scrapeBoth(url: string): Promise<string> {
  let last = "";
  return waitFor(
    () => `every worker to answer: ${last}`,
    async () => {
      last = await within(5000, "a scrape", scrape(url));
      return [1, 2].every((n) => valueOf(last, "process_max_fds", `{worker="${n}"}`) !== undefined) ? last : undefined;
    },
    20000,
    100,
  );
}

test("with --workers 2 the primary serves each worker's counters, labelled worker=N; a restarted worker starts from 0", async () => {
  const server = await startServer(["--workers", "2", "--max-connections", "1", "--metrics", "0", "--lang", "en"]);
  const seen = new Set<number>();
  const clients: Socket[] = [];
  try {
    const url = await metricsUrl(server);
    await waitFor(
      "both workers serving",
      () => (count(server.stdout(), /^\[worker [12]\] Limits: /gm) === 2 ? true : undefined),
      30000,
    );
    for (let i = 0; i < 6; i++) clients.push(await client(server.port));
    await Promise.all(clients.map((c) => c.sendall(Buffer.from("x")).catch(() => {})));
    const taken = /^\[worker [12]\] (?:Message from|max connections: refused) /gm;
    await waitFor("a line for every client", () => (count(server.stdout(), taken) === 6 ? true : undefined), 20000);
    assertEachWorker(await scrapeBoth(url), server.stdout());
    const [victim] = childrenOf(server.child.pid!);
    childrenOf(server.child.pid!).forEach((pid) => seen.add(pid));
    process.kill(victim!, "SIGKILL");
    const restarted = await waitFor(
      "the restart",
      () => new RegExp(`^\\[worker (\\d)\\] pid ${victim} was killed by SIGKILL`, "m").exec(server.stdout())?.[1],
      30000,
    );
    await waitFor(
      "the new worker serving",
      () => (count(server.stdout(), /^\[worker [12]\] Limits: /gm) === 3 ? true : undefined),
      30000,
    );
    childrenOf(server.child.pid!).forEach((pid) => seen.add(pid));
    const after = await scrapeBoth(url);
    assertEachWorker(after, server.stdout());
    assert.equal(valueOf(after, "socketkit_server_connections_total", `{worker="${restarted}"}`), 0);
  } finally {
    for (const c of clients) c.close();
    killAll([...seen].filter(isAlive));
    server.child.kill("SIGKILL");
  }
});

const dir = mkdtempSync(join(tmpdir(), "socketkit-metrics-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a hand-over's successor takes the metrics port over once its predecessor lets go", async () => {
  const path = join(dir, "handover.sock");
  const a = await startServer(["--handover", path, "--metrics", "0", "--lang", "en"]);
  try {
    const url = await metricsUrl(a);
    const metricsPort = new URL(url).port;
    assert.equal((await runClient(a.port, "one\n", ["--lang", "en"])).code, 0);
    const args = ["serve", "--host", "127.0.0.1", "--port", "0", "--handover", path, "--lang", "en"];
    const b = start([...args, "--metrics", `127.0.0.1:${metricsPort}`]);
    try {
      assert.equal(await within(20000, "the predecessor's exit", a.exit), 0);
      assert.equal(await metricsUrl(b), url);
      const text = await scrape(url);
      assert.equal(valueOf(text, "socketkit_server_connections_total"), 0, "the successor's own counters");
      assert.equal((await runClient(a.port, "two\n", ["--lang", "en"])).code, 0);
      assert.equal(valueOf(await scrape(url), "socketkit_server_connections_total"), 1);
    } finally {
      b.child.kill("SIGKILL");
    }
  } finally {
    a.child.kill("SIGKILL");
  }
});

test("--metrics: a bad value and a port in use name the option; --help lists it", async () => {
  for (const [value, message] of [
    ["localhost", "--metrics must be HOST:PORT, [IPV6]:PORT or PORT, got localhost"],
    ["127.0.0.1:70000", "--metrics's port must be a port number 0-65535, got 70000"],
    ["example.com:9464", "--metrics's address must be an IP address or localhost, got example.com"],
  ] as const) {
    const run = start(["serve", "--port", "0", "--metrics", value]);
    assert.equal(await within(20000, "exit", run.exit), 2);
    assert.equal(run.stderr(), `socketkit serve: ${message}\n`);
  }
  const taken = await startServer(["--metrics", "0", "--lang", "en"]);
  try {
    const port = new URL(await metricsUrl(taken)).port;
    const run = start(["serve", "--host", "127.0.0.1", "--port", "0", "--metrics", port, "--lang", "en"]);
    assert.equal(await within(20000, "exit", run.exit), 1);
    assert.match(
      run.stderr(),
      new RegExp(`^socketkit serve: --metrics: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
    );
  } finally {
    taken.child.kill("SIGKILL");
  }
  const help = start(["serve", "--help"]);
  await within(20000, "help", help.exit);
  assert.match(help.stdout(), /--metrics \[HOST:\]PORT +serve this server's counters for Prometheus/);
});

for (const page of ["docs/en/operators.md", "docs/zh/operators.md"])
  test(`${page} names every family serve --metrics serves, and the alert on accept errors`, () => {
    const text = readFileSync(`${ROOT}/${page}`, "utf8");
    for (const [name] of FAMILIES) assert.ok(text.includes(`\`${name}`), name);
    assert.ok(text.includes("`SocketkitServeOutOfFiles`"));
    assert.ok(text.includes("increase(socketkit_server_accept_errors_total[5m]) > 0"));
  });
