// The experiment registry: one definition per experiment, from which the CLI's help, options, sim and lab come.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EXPERIMENTS, findExperiment, runExperiment, simulateExperiment } from "../../src/lab/registry.js";
import { start } from "../helpers/cli.js";

test("every experiment has a unique name, a summary in both languages and defaults inside its ranges", () => {
  assert.deepEqual(
    EXPERIMENTS.map((e) => e.name),
    ["handshake", "backlog", "early-close", "overflow", "synqueue"],
  );
  for (const e of EXPERIMENTS) {
    assert.ok(e.summary.en.length > 0 && e.summary.zh.length > 0, e.name);
    for (const o of e.options) {
      // An unset default (null) means the namespace's own setting; a number lies within the option's range.
      assert.ok(o.default === null || (o.min <= o.default && o.default <= o.max), `${e.name} --${o.name}`);
    }
  }
  assert.deepEqual(
    EXPERIMENTS.filter((e) => e.needsRoot).map((e) => e.name),
    ["overflow", "synqueue"],
  );
});

test("sim runs each experiment's own model: the same options and defaults as the lab, in the lab's shape", () => {
  for (const e of EXPERIMENTS) {
    const record = simulateExperiment(e.name, {}, {});
    assert.equal(record.source, "sim");
    assert.deepEqual(record.options, e.withDefaults());
    assert.equal(record.cases.length, e.model(e.withDefaults(), {}).length);
    for (const c of record.cases) {
      assert.deepEqual(Object.keys(c), ["setting", "label", "zh", "predicted", "model"], e.name);
      assert.ok(Object.keys(c.predicted).length > 0, `${e.name} predicts the lab's fields`);
    }
  }
  const synqueue = simulateExperiment("synqueue", { backlog: 2 }, {});
  assert.deepEqual(
    synqueue.cases.map((c) => c.setting),
    [{ tcp_syncookies: 0 }, { tcp_syncookies: 1 }, { tcp_syncookies: 2 }],
  );
  assert.deepEqual(
    synqueue.cases.map((c) => c.predicted.synRecv),
    [3, 3, 0],
    "listen(2): min(2, somaxconn) + 1 requests, with syncookies 0 or 1 alike; none with 2",
  );
});

test("the student's controls reach the model: --somaxconn, --syn-retries, --drain-at, --abort-on-overflow", () => {
  const backlog = simulateExperiment("backlog", { backlog: 20, clients: 12, somaxconn: 7 }, {});
  assert.equal(backlog.settings.somaxconn, 7);
  assert.equal(backlog.cases[0]!.predicted.established, 8, "min(20, 7) + 1");
  const late = simulateExperiment("backlog", { backlog: 5, clients: 10, "drain-at": 12 }, { tcpSynLinearTimeouts: 4 });
  assert.deepEqual(late.cases[0]!.predicted.synRetransmitsAtS, [1, 2, 3, 4, 5, 7, 11]);
  assert.deepEqual(late.cases[0]!.predicted.overflowsByRound, [4, 8, 12, 16, 20, 24, 28, 32], "P, 2P, 3P, …");
  assert.equal(late.cases[0]!.predicted.joinedAtS, 19);
  const gaveUp = simulateExperiment("backlog", { "drain-at": 12, "syn-retries": 2 }, { tcpSynLinearTimeouts: 4 });
  assert.equal(gaveUp.cases[0]!.predicted.timedOut, 4, "tcp_syn_retries 2 gives up at 7 s, before the drain");
  const one = simulateExperiment("overflow", { "abort-on-overflow": 1 }, {});
  assert.deepEqual(
    one.cases.map((c) => c.setting),
    [{ tcp_abort_on_overflow: 1 }],
  );
});

test("an experiment's options are its declared ones, in order: given values kept, the rest defaults, others dropped", () => {
  const synqueue = findExperiment("synqueue")!;
  assert.deepEqual(
    synqueue.options.map((o) => o.name),
    ["backlog", "clients", "max-syn-backlog", "somaxconn"],
  );
  assert.deepEqual(synqueue.withDefaults({ backlog: 2, nope: 7 }), {
    backlog: 2,
    clients: 16,
    "max-syn-backlog": 8,
    somaxconn: null,
  });
  assert.deepEqual(simulateExperiment("overflow", { delay: 20 }, {}).options, {
    backlog: 2,
    burst: 4,
    delay: 20,
    "abort-on-overflow": null,
    somaxconn: null,
  });
});

test("an unknown experiment is a RangeError naming the known ones", async () => {
  assert.equal(findExperiment("nope"), undefined);
  await assert.rejects(() => runExperiment("nope"), /unknown experiment 'nope' \(known: handshake, backlog/);
});

test("the top-level help lists every experiment; numbers out of range exit 2 with the option's own message", async () => {
  const help = start(["--help"]);
  assert.equal(await help.exit, 0);
  for (const e of EXPERIMENTS) assert.match(help.stdout(), new RegExp(`^  ${e.name} `, "m"));
  for (const [args, message] of [
    [["lab", "backlog", "--backlog", "-1"], /--backlog must be a whole number from 0 to 65535, got -1/],
    [
      ["lab", "backlog", "--clients", "99999999999"],
      /--clients must be a whole number from 1 to 2000, got 99999999999/,
    ],
    [
      ["sim", "synqueue", "--max-syn-backlog", "abc"],
      /--max-syn-backlog must be a whole number from 1 to 4096, got abc/,
    ],
    [["sim", "backlog", "--drain-at", "0.01"], /--drain-at must be a number of seconds from 0.05 to 600, got 0.01/],
  ] as const) {
    const run = start([...args]);
    assert.equal(await run.exit, 2, args.join(" "));
    assert.match(run.stderr(), message);
  }
});
