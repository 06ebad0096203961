// socketkit watch on listeners whose queues fill: the depth rises and the overflow counter moves, every listener
// is listed with its owner, and --fail-on turns a full queue into exit code 1.
// Sequential (test/sequential): samples are taken on an interval while the test adds clients between them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { spawn } from "node:child_process";
import type { ListSample, WatchSample } from "../../../src/cli/watch.js";
import { listenerQueues, querySockets } from "../../../src/kernel/sock-diag.js";
import { AF_INET6, Socket } from "../../../src/index.js";
import { start } from "../../helpers/cli.js";
import { waitFor, within } from "../../helpers/wait.js";

test("watch --json shows the accept queue rising to its limit and ListenOverflows moving", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(2);
  const [, port] = server.getsockname();
  const clients: Socket[] = [];
  const run = start(["watch", String(port), "--json", "--interval", "0.3", "--count", "8"]);
  try {
    const samples = () =>
      run
        .stdout()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as WatchSample);
    for (let i = 0; i < 5; i++) {
      // One more client per sample: three fit (backlog 2, plus one), the rest are dropped at the SYN.
      await waitFor(`sample ${i + 1}`, () => (samples().length > i ? true : undefined), 10000);
      const c = new Socket();
      clients.push(c);
      void c.connect(server.getsockname()).catch(() => undefined);
    }
    assert.equal(await within(15000, "watch to finish", run.exit), 0, run.stderr());
    const s = samples();
    const depths = s.map((x) => x.acceptQueue);
    const first = s[0]!;
    const last = s.at(-1)!;
    assert.equal(first.acceptQueueMax, 2);
    assert.equal(depths[0], 0);
    assert.equal(Math.max(...depths), 3, `depths ${depths.join(",")}`);
    for (let i = 1; i < depths.length; i++)
      assert.ok(depths[i]! >= depths[i - 1]!, `depth never falls: ${depths.join(",")}`);
    assert.ok(last.counters.ListenOverflows! > first.counters.ListenOverflows!, "the overflow counter moved");
    assert.ok(
      s.some((x) => (x.ratePerSecond.ListenOverflows ?? 0) > 0),
      "and its rate per second shows it",
    );
    assert.ok(
      last.owners.some((o) => o.pid === process.pid),
      "the owner is this process",
    );
  } finally {
    run.child.kill();
    for (const c of clients) c.close();
    server.close();
  }
});

const queueOf = (port: number) => listenerQueues(querySockets(), port)[0]?.acceptQueue;

test("watch --once on a port nobody listens on says so", async () => {
  const s = new Socket();
  s.bind(["127.0.0.1", 0]);
  const [, port] = s.getsockname();
  s.close();
  const run = start(["watch", String(port), "--once"]);
  assert.equal(await run.exit, 0);
  assert.match(run.stdout(), new RegExp(`nothing listens on port ${port}`));
});

test("watch labels the namespace-wide counters apart from the listener, and piped prints one line a sample", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(3);
  const [, port] = server.getsockname();
  try {
    const once = start(["watch", String(port), "--once"]);
    assert.equal(await once.exit, 0);
    assert.match(once.stdout(), new RegExp(`listener 127\\.0\\.0\\.1:${port}\n  accept queue 0/3 \\(\\+1 allowed\\)`));
    assert.match(once.stdout(), /^ {2}ss -ltn: Recv-Q 0 is the accept queue, Send-Q 3 the backlog$/m);
    assert.match(once.stdout(), /network namespace \(every listener, not only this port\):\n {2}ListenOverflows \d+/);
    const piped = start(["watch", String(port), "--count", "2", "--interval", "0.1"]);
    assert.equal(await piped.exit, 0);
    const lines = piped.stdout().trimEnd().split("\n");
    assert.equal(lines.length, 2);
    for (const l of lines)
      assert.match(l, new RegExp(`port=${port} acceptQueue=0/3 synRecv=0 established=0 ns\\.ListenOverflows=\\d+`));
    assert.ok(!piped.stdout().includes("\x1b"), "no terminal codes in a pipe");
  } finally {
    server.close();
  }
});

test("watch with bad arguments says what is wrong and exits 2", async () => {
  for (const [args, message] of [
    [["1", "--count", "abc"], /--count must be a whole number from 1 to \d+, got abc/],
    [["1", "--count", "0"], /--count must be a whole number from 1/],
    [["1", "--interval", "-1"], /--interval must be a number of seconds from 0.05 to 3600, got -1/],
    [["99999"], /port must be a port number 0-65535, got 99999/],
    [["1", "2"], /watch takes at most one port/],
    [
      ["--fail-on", "queue>=backlog"],
      /--fail-on must be FIELD OP FIELD\|NUMBER\|NUMBER\*FIELD, e\.g\. acceptQueue>=backlog/,
    ],
    [["--fail-on", "3>2"], /--fail-on must name a field, got 3>2/],
  ] as const) {
    const run = start(["watch", ...args]);
    assert.equal(await run.exit, 2, args.join(" "));
    assert.match(run.stderr(), message);
  }
});

test("watch --once --json lists every listener, IPv6 too, owned by the process holding it, not its clients", async () => {
  const v4 = new Socket();
  v4.bind(["127.0.0.1", 0]);
  v4.listen(2);
  const v6 = new Socket(AF_INET6);
  v6.bind(["::1", 0]);
  v6.listen(5);
  const [, port4] = v4.getsockname();
  const [, port6] = v6.getsockname();
  // A client process holding three connections: the queue full (2 + 1), and the process not an owner.
  const script = `for (let i = 0; i < 3; i++) require("net").connect(${port4}, "127.0.0.1"); setInterval(() => {}, 1e6)`;
  const client = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
  try {
    await waitFor("the queue full", () => (queueOf(port4) === 3 ? true : undefined), 10000);
    const run = start(["watch", "--once", "--json"]);
    assert.equal(await run.exit, 0, run.stderr());
    const sample = JSON.parse(run.stdout()) as ListSample;
    const mine = sample.listeners.find((l) => l.key === `127.0.0.1:${port4}`)!;
    assert.deepEqual([mine.acceptQueue, mine.backlog, mine.established], [3, 2, 3]);
    assert.deepEqual(
      mine.owners.map((o) => o.pid),
      [process.pid],
      "the listener's process, not the client's",
    );
    assert.ok(sample.listeners.some((l) => l.key === `[::1]:${port6}` && l.backlog === 5));
    const full = sample.listeners.findIndex((l) => l.key === mine.key);
    assert.ok(
      sample.listeners.slice(0, full).every((l) => l.acceptQueue > l.backlog),
      "sorted by pressure: only full listeners come before a full one",
    );
    assert.equal(sample.countersScope, "network namespace");
  } finally {
    client.kill("SIGKILL");
    v4.close();
    v6.close();
  }
});

test("--fail-on: --once exits 0 below the threshold and 1 at it; a stream stops at the refresh that crosses", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(2);
  const [, port] = server.getsockname();
  const clients: Socket[] = [];
  try {
    const calm = start(["watch", String(port), "--once", "--fail-on", "acceptQueue>=backlog"]);
    assert.equal(await calm.exit, 0, calm.stderr());
    const stream = start(["watch", String(port), "--interval", "0.2", "--fail-on", "acceptQueue >= backlog"]);
    await waitFor("a first line", () => (stream.stdout().includes("acceptQueue=0/2") ? true : undefined), 10000);
    for (let i = 0; i < 2; i++) {
      clients.push(new Socket());
      await clients.at(-1)!.connect(["127.0.0.1", port]);
    }
    assert.equal(await within(10000, "watch to stop", stream.exit), 1);
    assert.match(stream.stdout().trimEnd().split("\n").at(-1)!, /acceptQueue=2\/2 /);
    assert.equal(
      stream.stderr(),
      `socketkit watch: 127.0.0.1:${port} crossed acceptQueue>=backlog (acceptQueue 2, backlog 2)\n`,
    );
    const json = start([
      "watch",
      "--once",
      "--json",
      "--fail-on",
      "acceptQueue>=backlog",
      "--fail-on",
      "synRecv>1000000",
    ]);
    assert.equal(await json.exit, 1);
    const crossed = (JSON.parse(json.stdout()) as ListSample).crossed;
    assert.ok(crossed.some((c) => c.listener === `127.0.0.1:${port}` && c.values.acceptQueue === 2));
    assert.ok(!crossed.some((c) => c.condition === "synRecv>1000000"));
  } finally {
    for (const c of clients) c.close();
    server.close();
  }
});
