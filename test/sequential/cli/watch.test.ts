// socketkit watch on a listener whose queue is filling: the depth rises and the overflow counter moves.
// Sequential (test/sequential): samples are taken on an interval while the test adds clients between them.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { WatchSample } from "../../../src/cli/watch.js";
import { Socket } from "../../../src/index.js";
import { start } from "../../helpers/cli.js";
import { waitFor, within } from "../../helpers/wait.js";

test("watch --json shows the accept queue rising to its limit and ListenOverflows moving", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(2);
  const [, port] = server.getsockname() as [string, number];
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

test("watch --once on a port nobody listens on says so", async () => {
  const s = new Socket();
  s.bind(["127.0.0.1", 0]);
  const [, port] = s.getsockname() as [string, number];
  s.close();
  const run = start(["watch", String(port), "--once"]);
  assert.equal(await run.exit, 0);
  assert.match(run.stdout(), new RegExp(`nothing listens on port ${port}`));
});

test("watch labels the namespace-wide counters apart from the listener, and piped prints one line a sample", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(3);
  const [, port] = server.getsockname() as [string, number];
  try {
    const once = start(["watch", String(port), "--once"]);
    assert.equal(await once.exit, 0);
    assert.match(once.stdout(), new RegExp(`listener on port ${port}\n  accept queue 0/3 \\(\\+1 allowed\\)`));
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
    [[], /watch takes one port/],
  ] as const) {
    const run = start(["watch", ...args]);
    assert.equal(await run.exit, 2, args.join(" "));
    assert.match(run.stderr(), message);
  }
});
