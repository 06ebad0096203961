// Every lab experiment on the running kernel agrees with the model. Experiments whose counters must see only
// their own traffic run in a private network namespace, which needs root: CI runs them, elsewhere they skip.
// Sequential (test/sequential): the experiments provoke the kernel's timers, and their schedules assume a machine that is
// not also running the rest of the suite. Their assertions are about causes — counts, states, retransmissions —
// never about how long something took.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { isRoot } from "../../../src/libc/platform.js";
import { runInPrivateNetns } from "../../../src/lab/private-namespace.js";
import type { simulationRecord } from "../../../src/cli/sim-view.js";
import { runExperiment, type ResultOf } from "../../../src/lab/registry.js";
import { start } from "../../helpers/cli.js";
import { within } from "../../helpers/wait.js";

/** What `socketkit sim … --json` prints. */
type SimRecord = ReturnType<typeof simulationRecord>;
const needsRoot = isRoot() ? false : "needs root to create a private network namespace (CI runs it as root)";

test(
  "lab backlog for backlogs 0, 1, 5 and 128: the kernel's counts, and the model agrees",
  { skip: needsRoot },
  async () => {
    for (const backlog of [0, 1, 5, 128]) {
      const clients = backlog + 4;
      const r = await within(20000, `lab backlog ${backlog}`, runInPrivateNetns("backlog", { backlog, clients }));
      assert.equal(r.backlog, backlog);
      assert.equal(r.clients, clients);
      assert.equal(r.established, backlog + 1, "min(backlog, somaxconn) + 1 completed with no accept()");
      assert.equal(r.synSent, 3);
      assert.equal(r.listenOverflowsDelta, 3);
      assert.ok(r.somaxconn >= 128);
      assert.deepEqual(r.verdict, { agree: true, differences: [] });
      // Each waiting client got in at its first SYN retransmission, as its own tcp_info counts: no later one.
      assert.equal(r.synRetransmissions, `0 ×${backlog + 1}, 1 ×3`);
      assert.ok(r.series.length >= 2, "the queues were sampled for the chart");
    }
  },
);

test(
  "runInPrivateNetns sets its sysctls inside the namespace only: listen(20) there is capped by somaxconn 7",
  { skip: needsRoot },
  async () => {
    const host = readFileSync("/proc/sys/net/core/somaxconn", "utf8");
    const r = await within(
      20000,
      "lab backlog in a namespace",
      runInPrivateNetns("backlog", { backlog: 20, clients: 10 }, { "net.core.somaxconn": 7 }),
    );
    assert.equal(r.somaxconn, 7);
    // Counts only: the verdict also compares join times, which the test above checks and which a loaded machine moves.
    assert.equal(r.established, 8, "min(20, 7) + 1 completed with no accept()");
    assert.equal(readFileSync("/proc/sys/net/core/somaxconn", "utf8"), host, "the host's somaxconn is untouched");
  },
);

test("lab handshake: connect() completes before accept(), the queue goes 0 → 1 → 0", async () => {
  const r = await runExperiment("handshake");
  assert.deepEqual(r.measured, {
    connectBeforeAccept: "yes",
    queueBeforeConnect: 0,
    queueAfterConnect: 1,
    queueAfterAccept: 0,
  });
  assert.deepEqual(r.verdict, { agree: true, differences: [] });
  assert.match(r.steps[1]!.sockets.client!, /laddr=\('[\d.]+', \d+\), raddr=\('[\d.]+', \d+\)>$/);
  if (isRoot()) {
    assert.deepEqual(
      r.packets!.slice(0, 3).map((p) => `${p.from} ${p.kind}`),
      ["client SYN", "server SYN-ACK", "client ACK"],
    );
  }
  assert.ok(!("accepted" in r.steps[1]!.sockets), "no accepted socket exists before accept()");
});

test("lab early-close: the closed connection waits in the accept queue and is still accepted with its bytes", async () => {
  // As root (CI) it runs in a namespace of its own, like every experiment there; elsewhere on this one.
  const r = isRoot()
    ? await runInPrivateNetns("early-close", { hold: 1000 })
    : await runExperiment("early-close", { hold: 1000 });
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

test(
  "lab overflow: abort_on_overflow 0 drops the ACK, 1 resets; a SYN at a full queue is dropped silently",
  { skip: needsRoot },
  async () => {
    const r = await within(30000, "lab overflow", runExperiment("overflow"));
    const [keep, reset] = r.cases;
    assert.equal(keep!.measured.connected, 6);
    assert.equal(keep!.measured.reset, 0);
    assert.ok(keep!.measured.neverAccepted >= 1, "a syncookie client believes it is connected but is never accepted");
    assert.ok(reset!.measured.reset >= 1, "with tcp_abort_on_overflow=1 the first recv() is reset");
    for (const c of r.cases) {
      assert.equal(c.measured.lateSynAnswered, "no");
      assert.ok(Math.max(...c.series.map((s) => s.acceptQueue)) === r.backlog + 1, "the chart shows the full queue");
      assert.ok(c.packets.some((p) => p.kind === "SYN-ACK"));
    }
    assert.deepEqual(r.verdict, { agree: true, differences: [] });
  },
);

test("lab synqueue: what bounds SYN-RECV with tcp_syncookies 0, 1 and 2", { skip: needsRoot }, async () => {
  const r = await within(30000, "lab synqueue", runExperiment("synqueue"));
  for (const c of r.cases)
    assert.ok(
      c.series.some((s) => s.synRecv === c.measured.synRecv),
      "the chart saw the depth that was counted",
    );
  const [none, on, always] = r.cases;
  assert.ok(
    none!.measured.synRecv < r.backlog + 1 && none!.measured.listenDrops > 0,
    "without cookies, tcp_max_syn_backlog's reserve stops the queue",
  );
  assert.equal(on!.measured.synRecv, r.backlog + 1);
  assert.equal(on!.measured.cookiesSent, r.clients - r.backlog - 1);
  assert.equal(always!.measured.synRecv, 0);
  assert.equal(always!.measured.cookiesSent, r.clients);
  assert.deepEqual(r.verdict, { agree: true, differences: [] });
});

test(
  "socketkit lab --netns runs the experiment in a namespace of its own and shows its result",
  { skip: needsRoot },
  async () => {
    const json = start(["lab", "handshake", "--netns", "--json"]);
    assert.equal(await within(15000, "lab handshake --netns --json", json.exit), 0, json.stderr());
    const r = JSON.parse(json.stdout()) as ResultOf<"handshake">;
    assert.deepEqual(r.verdict, { agree: true, differences: [] });
    assert.equal(r.measured.queueAfterConnect, 1);
    const text = start(["lab", "early-close", "--netns", "--hold", "300"]);
    assert.equal(await within(15000, "lab early-close --netns", text.exit), 0, text.stderr());
    assert.match(text.stdout(), /still queued after 300 ms: 1/);
    assert.match(text.stdout(), /Verdict: the kernel did what the model predicts\./);
  },
);

test(
  "without root, --netns says what is missing in one line and exits 3",
  { skip: !needsRoot && "running as root" },
  async () => {
    const run = start(["lab", "backlog", "--netns"]);
    assert.equal(await run.exit, 3);
    assert.match(run.stderr(), /^socketkit lab: this experiment needs root to create a private network namespace/);
  },
);

test("socketkit sim backlog takes the lab's options and predicts the lab's fields", async () => {
  const run = start(["sim", "backlog", "--backlog", "5", "--clients", "10", "--json"]);
  assert.equal(await run.exit, 0, run.stderr());
  const r = JSON.parse(run.stdout()) as SimRecord;
  assert.deepEqual(r.options, { backlog: 5, clients: 10 });
  const p = r.cases[0]!.predicted!;
  assert.deepEqual([p.established, p.synSent, p.listenOverflowsDelta, p.synRetransmissions], [6, 4, 4, "0 ×6, 1 ×4"]);
});

test("sim synqueue runs the lab's schedule: 16 SYNs, and --backlog is honoured (they once drifted apart)", async () => {
  const run = start(["sim", "synqueue", "--backlog", "4", "--json"]);
  assert.equal(await run.exit, 0, run.stderr());
  const r = JSON.parse(run.stdout()) as SimRecord;
  assert.equal(r.options.clients, 16);
  const [, cookies] = r.cases;
  assert.equal(cookies!.predicted!.synRecv, 5, "min(4, somaxconn) + 1 requests");
  assert.equal(cookies!.predicted!.cookiesSent, 11);
});

test("socketkit sim runs every experiment's model from the lab's options", async () => {
  for (const name of ["handshake", "backlog", "early-close", "overflow", "synqueue"]) {
    const run = start(["sim", name, "--json"]);
    assert.equal(await run.exit, 0, `${name}: ${run.stderr()}`);
    assert.ok(JSON.parse(run.stdout()), name);
  }
});
