// socketkit bench against a node:net echo in this process: JSON results for ping-pong and connect modes, a
// comparison of two targets with ratios, the line rule against socketkit serve, and one-line usage errors.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { start, startServer } from "../helpers/cli.js";

async function echoServer(): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((c) => {
    c.on("error", () => {});
    c.pipe(c);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

async function benchJson(args: string[]): Promise<any> {
  const run = start(["bench", "--json", "--warmup", "0", "-d", "0.3", ...args]);
  const code = await run.exit;
  assert.equal(code, 0, run.stderr());
  return JSON.parse(run.stdout());
}

test("ping-pong and connect modes report rates, HdrHistogram percentiles, no errors and no starved connections", async () => {
  const echo = await echoServer();
  try {
    const pp = await benchJson(["-c", "4", "-s", "100", String(echo.port)]);
    const [t] = pp.targets;
    assert.equal(t.target, `127.0.0.1:${echo.port}`);
    assert.ok(t.rate > 0);
    assert.equal(t.errors, 0);
    assert.equal(t.starved, 0);
    const r = t.rounds[0];
    assert.ok(r.latencyUs.p50 <= r.latencyUs.p99 && r.latencyUs.p99 <= r.latencyUs.max);
    assert.equal(r.bytesPerSecond, r.rate * 100);

    const connect = await benchJson(["--mode", "connect", "-c", "2", `127.0.0.1:${echo.port}`]);
    assert.ok(connect.targets[0].rounds[0].ops > 0);
    assert.equal(connect.targets[0].errors, 0);
  } finally {
    echo.close();
  }
});

test("two targets are compared in alternating rounds with a ratio per round", async () => {
  const a = await echoServer();
  const b = await echoServer();
  try {
    const c = await benchJson(["-c", "2", "--rounds", "2", String(a.port), String(b.port)]);
    assert.deepEqual(c.targets.map((t: any) => t.rounds.length), [2, 2]);
    const key = `127.0.0.1:${b.port}/127.0.0.1:${a.port}`;
    assert.ok(c.ratios[key] > 0);
    assert.equal(c.roundRatios[key].length, 2);
  } finally {
    a.close();
    b.close();
  }
});

test("--reply line drives a request/response server whose replies are longer than the requests", async () => {
  const server = await startServer();
  try {
    const r = await benchJson(["-c", "2", "--reply", "line", "-s", "16", String(server.port)]);
    assert.ok(r.targets[0].rounds[0].ops > 0);
    assert.equal(r.targets[0].errors, 0);
  } finally {
    server.child.kill();
  }
});

test("no server and bad options are one-line errors", async () => {
  const refused = start(["bench", "--warmup", "0", "-d", "0.2", "1"]);
  assert.equal(await refused.exit, 1);
  assert.match(refused.stderr(), /^socketkit bench: cannot load 1: connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
  const bad = start(["bench", "--mode", "fast", "1"]);
  assert.equal(await bad.exit, 2);
  assert.equal(bad.stderr(), "socketkit bench: --mode must be one of pingpong, connect, got fast\n");
});
