// socketkit bench: the load generator (src/bench) in this process against node:net servers — ping-pong and
// connect modes, the line rule, a two-target comparison — and the command's JSON and one-line errors. Runs are
// short and use few connections: the point is what is reported, not how fast.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { compare, type Comparison } from "../../src/bench/compare.js";
import { runLoad } from "../../src/bench/run.js";
import { start } from "../helpers/cli.js";

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
    const c = await compare(
      [target(a.port), target(b.port)],
      { mode: "pingpong", connections: 1, duration: 0.1, size: 8, reply: "echo" },
      2,
      (_r, t, p) => {
        if (p === null) order.push(t.port);
      },
    );
    assert.deepEqual(order, [a.port, b.port, b.port, a.port]);
    const key = `127.0.0.1:${b.port}/127.0.0.1:${a.port}`;
    assert.ok(c.ratios[key]! > 0);
    assert.equal(c.roundRatios[key]!.length, 2);
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
