// Every lab experiment on the running kernel agrees with the model. Experiments whose counters must see only
// their own traffic run in a private network namespace, which needs root: CI runs them, elsewhere they skip.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runEarlyClose } from "../../src/lab/early-close.js";
import { runHandshake } from "../../src/lab/handshake.js";
import { canMakeNamespaces, runInPrivateNetns } from "../../src/lab/netns.js";
import { start } from "../helpers/cli.js";
import { within } from "../helpers/wait.js";

const needsRoot = canMakeNamespaces() ? false : "needs root to create a private network namespace (CI runs it as root)";

test("lab backlog for backlogs 0, 1, 5 and 128: the kernel's counts, and the model agrees", { skip: needsRoot }, async () => {
  for (const backlog of [0, 1, 5, 128]) {
    const clients = backlog + 4;
    const run = await within(20000, `lab backlog ${backlog}`, runInPrivateNetns(["lab", "backlog", "--backlog", String(backlog), "--clients", String(clients), "--json"]));
    assert.equal(run.code, 0, `backlog ${backlog}: ${run.stderr}${run.stdout.slice(0, 2000)}`);
    const r = JSON.parse(run.stdout);
    assert.equal(r.backlog, backlog);
    assert.equal(r.clients, clients);
    assert.equal(r.established, backlog + 1, "min(backlog, somaxconn) + 1 completed with no accept()");
    assert.equal(r.synSent, 3);
    assert.equal(r.listenOverflowsDelta, 3);
    assert.ok(r.somaxconn >= 128);
    assert.deepEqual(r.verdict, { agree: true, differences: [] });
    for (const w of r.waitedAfterDrainMs) assert.ok(w !== null && w < 1500, `a waiting client got in ${w} ms after the drain`);
  }
});

test("lab handshake: connect() completes before accept(), the queue goes 0 → 1 → 0", async () => {
  const r = await runHandshake();
  assert.deepEqual(r.measured, { connectBeforeAccept: "yes", queueBeforeConnect: 0, queueAfterConnect: 1, queueAfterAccept: 0 });
  assert.deepEqual(r.verdict, { agree: true, differences: [] });
  assert.match(r.steps[1]!.sockets.client!, /laddr=\('127\.0\.0\.1', \d+\), raddr=\('127\.0\.0\.1', \d+\)>$/);
  assert.ok(!("accepted" in r.steps[1]!.sockets), "no accepted socket exists before accept()");
});

test("lab early-close: the closed connection waits in the accept queue and is still accepted with its bytes", async () => {
  const r = await runEarlyClose({ holdMs: 1000 });
  assert.equal(r.measured.serverState, "CLOSE-WAIT");
  assert.equal(r.measured.clientState, "FIN-WAIT-2");
  assert.equal(r.measured.queuedAfterHold, 1);
  assert.equal(r.measured.received, "hello before accept");
  assert.equal(r.measured.thenEof, "yes");
  assert.deepEqual(r.verdict, { agree: true, differences: [] });
});

test("socketkit lab handshake reads as a story: steps, reprs, a sequence diagram, field notes, a verdict", async () => {
  const run = start(["lab", "handshake"]);
  assert.equal(await within(15000, "lab handshake", run.exit), 0, run.stderr());
  const out = run.stdout();
  assert.match(out, /connect\(\) has returned; the server has not called accept\(\)\s+\(accept queue: 1\)/);
  assert.match(out, /SYN-ACK/);
  assert.match(out, /raddr {3}the remote address/);
  assert.match(out, /Verdict: the kernel did what the model predicts\./);
});

test("without root, --netns says what is missing in one line and exits 3", { skip: !needsRoot && "running as root" }, async () => {
  const run = start(["lab", "backlog", "--netns"]);
  assert.equal(await run.exit, 3);
  assert.match(run.stderr(), /^socketkit lab: this experiment needs root to create a private network namespace/);
});
