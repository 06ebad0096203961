// socketkit bench: the load generator (src/bench) in this process against node:net servers — ping-pong and
// connect modes, the line rule, a two-target comparison — and the command's JSON, one-line errors and its live
// progress on a terminal. Runs are short and use few connections: the point is what is reported, not how fast.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import net from "node:net";
import { test } from "node:test";
import { compare, type Comparison } from "../../src/bench/compare.js";
import { runLoad } from "../../src/bench/run.js";
import { start } from "../helpers/cli.js";
import { within } from "../helpers/wait.js";

/** An echo server, or with `prefix` a line server answering each line with a longer one. */
async function server(prefix?: string): Promise<{ port: number; close: () => void }> {
  const s = net.createServer((c) => {
    c.on("error", () => {});
    if (prefix === undefined) return c.pipe(c);
    let pending = "";
    c.setEncoding("utf8").on("data", (d: string) => {
      pending += d;
      for (let at = pending.indexOf("\n"); at >= 0; at = pending.indexOf("\n")) {
        c.write(`${prefix}${pending.slice(0, at + 1)}`);
        pending = pending.slice(at + 1);
      }
    });
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return { port: (s.address() as net.AddressInfo).port, close: () => s.close() };
}

const target = (port: number) => ({ host: "127.0.0.1", port });

test("ping-pong: rates, HdrHistogram percentiles, no errors, no starved connections", async () => {
  const echo = await server();
  try {
    const r = await runLoad({
      target: target(echo.port),
      mode: "pingpong",
      connections: 3,
      duration: 0.2,
      size: 100,
      reply: "echo",
    });
    assert.ok(r.ops > 0 && r.rate > 0);
    assert.ok(Math.abs(r.bytesPerSecond - r.rate * 100) < 1e-6 * r.bytesPerSecond);
    assert.ok(
      r.latencyUs.min <= r.latencyUs.p50 && r.latencyUs.p50 <= r.latencyUs.p99 && r.latencyUs.p99 <= r.latencyUs.max,
    );
    assert.deepEqual([r.errors, r.starved], [0, 0]);
  } finally {
    echo.close();
  }
});

test("connect mode counts connections; the line rule waits for a newline in a reply longer than the request", async () => {
  const echo = await server();
  const lines = await server("you said: ");
  try {
    const c = await runLoad({
      target: target(echo.port),
      mode: "connect",
      connections: 2,
      duration: 0.2,
      size: 64,
      reply: "echo",
    });
    assert.ok(c.ops > 0);
    assert.equal(c.errors, 0);
    const l = await runLoad({
      target: target(lines.port),
      mode: "pingpong",
      connections: 2,
      duration: 0.2,
      size: 16,
      reply: "line",
    });
    assert.ok(l.ops > 0);
    assert.deepEqual([l.errors, l.starved], [0, 0]);
  } finally {
    echo.close();
    lines.close();
  }
});

test("a connection the server closes mid-run is an error, and one that never got a reply is starved", async () => {
  const s = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  try {
    const r = await runLoad({
      target: target((s.address() as net.AddressInfo).port),
      mode: "pingpong",
      connections: 2,
      duration: 0.2,
      size: 8,
      reply: "echo",
    });
    assert.equal(r.ops, 0);
    assert.equal(r.errors, 2);
    assert.equal(r.starved, 2);
  } finally {
    s.close();
  }
});

test("two targets are compared in alternating rounds, with a ratio per round", async () => {
  const a = await server();
  const b = await server();
  try {
    const order: number[] = [];
    const done: number[] = [];
    const c = await compare(
      [target(a.port), target(b.port)],
      { mode: "pingpong", connections: 1, duration: 0.1, size: 8, reply: "echo" },
      2,
      (e) => {
        if (e.kind === "start") order.push(e.target.port);
        if (e.kind === "done") done.push(e.result.rate);
      },
    );
    assert.deepEqual(order, [a.port, b.port, b.port, a.port]);
    const key = `127.0.0.1:${b.port}/127.0.0.1:${a.port}`;
    assert.ok(c.ratios[key]! > 0);
    assert.equal(c.roundRatios[key]!.length, 2);
    const [ra, rb] = [c.targets[0]!.rounds, c.targets[1]!.rounds];
    assert.deepEqual(done, [ra[0]!.rate, rb[0]!.rate, rb[1]!.rate, ra[1]!.rate], "each run's result, as it ended");
  } finally {
    a.close();
    b.close();
  }
});

test("the command prints JSON; no server and bad options are one-line errors", async () => {
  const echo = await server();
  try {
    const ok = start(["bench", "--json", "--warmup", "0", "-d", "0.2", "-c", "2", String(echo.port)]);
    assert.equal(await ok.exit, 0, ok.stderr());
    const json = JSON.parse(ok.stdout()) as Comparison;
    assert.equal(json.targets[0]!.target, `127.0.0.1:${echo.port}`);
    assert.equal(json.targets[0]!.rounds.length, 1);
  } finally {
    echo.close();
  }
  const refused = start(["bench", "--warmup", "0", "-d", "0.2", "1"]);
  assert.equal(await refused.exit, 1);
  assert.equal(refused.stderr(), "socketkit bench: cannot load 1: connect ECONNREFUSED 127.0.0.1:1\n");
  const bad = start(["bench", "--mode", "fast", "1"]);
  assert.equal(await bad.exit, 2);
  assert.equal(bad.stderr(), "socketkit bench: --mode must be one of pingpong, connect, got fast\n");
});

const HAVE_SCRIPT = spawnSync("script", ["--version"]).status === 0;

/**
 * Runs socketkit under `script`, which gives it a terminal; what the terminal showed, stdout and stderr together.
 * Asynchronously: the servers it loads live in this process's event loop.
 */
async function onTerminal(args: string): Promise<string> {
  const run = start(["-qec", `${process.execPath} bin/socketkit.js ${args}`, "/dev/null"], ["script"]);
  assert.equal(await within(60000, "socketkit under script", run.exit), 0, run.stdout() + run.stderr());
  return run.stdout().replace(/\r\n/g, "\n");
}

test(
  "on a terminal: the plan with its expected time, then a live line per round kept with the round's rate",
  { skip: !HAVE_SCRIPT && "needs script(1)" },
  async () => {
    const echo = await server();
    try {
      const out = await onTerminal(`bench --warmup 0.2 -d 1.2 --rounds 2 -c 2 ${echo.port}`);
      const plan = /^1 target × 2 rounds × 1\.2 s, after a 0\.2 s warmup of each: about (\d+) s$/m.exec(out);
      assert.ok(plan, out);
      assert.equal(Number(plan[1]), Math.round(1 * (0.2 + 2 * 1.2)), "targets × (warmup + rounds × duration)");
      // Each line is rewritten in place (\r, erase line) while its round runs: the last state before the newline stays.
      const kept = out.split("\n").map((l) => l.split("\r\x1b[K").at(-1)!);
      const rates = [1, 2].map((round) => {
        const m = new RegExp(
          `^round ${round}/2  127\\.0\\.0\\.1:${echo.port}  1\\.\\d s  (\\d+) round trips/s  0 errors$`,
        ).exec(kept.find((l) => l.startsWith(`round ${round}/2`)) ?? "");
        assert.ok(m, `round ${round}'s line:\n${out}`);
        return Number(m[1]);
      });
      assert.match(
        out,
        new RegExp(`round 1/2  127\\.0\\.0\\.1:${echo.port}  1/1\\.2 s  [1-9]\\d* round trips/s so far  0 errors`),
      );
      const median = /^127\.0\.0\.1:\d+ +(\d+) /m.exec(out);
      assert.ok(median, out);
      assert.ok(
        Math.abs(Number(median[1]) - (rates[0]! + rates[1]!) / 2) <= 1,
        "the table's median is the rounds' rates'",
      );
      const json = await onTerminal(`bench --json --warmup 0 -d 0.2 -c 1 ${echo.port}`);
      assert.doesNotMatch(json, /round 1\/1|about \d+ s/, "--json: no progress");
      assert.equal((JSON.parse(json) as Comparison).targets.length, 1);
    } finally {
      echo.close();
    }
    const quiet = await server();
    try {
      const piped = start(["bench", "--warmup", "0", "-d", "0.2", "-c", "1", String(quiet.port)]);
      assert.equal(await piped.exit, 0);
      assert.equal(piped.stderr(), "", "not a terminal: no progress");
    } finally {
      quiet.close();
    }
  },
);

test("--help says -d is per round and how long the whole run takes", async () => {
  const help = start(["bench", "--help"]);
  assert.equal(await help.exit, 0);
  assert.match(help.stdout(), /-d, --duration +seconds each round measures, per target/);
  assert.match(help.stdout(), /targets × \(warmup \+ rounds × duration\)/);
});
