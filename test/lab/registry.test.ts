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
    for (const o of e.options) assert.ok(o.min <= o.default && o.default <= o.max, `${e.name} --${o.name}`);
  }
  assert.deepEqual(
    EXPERIMENTS.filter((e) => e.needsRoot).map((e) => e.name),
    ["overflow", "synqueue"],
  );
});

test("sim runs each experiment's own model: the same options and defaults as the lab", () => {
  for (const e of EXPERIMENTS) {
    const report = simulateExperiment(e.name, {}, {});
    assert.deepEqual(report.options, e.withDefaults());
    assert.equal(report.cases.length, e.model(e.withDefaults(), {}).length);
    for (const c of report.cases)
      assert.ok(c.predicted !== null && Object.keys(c.predicted).length > 0, `${e.name} predicts the lab's fields`);
  }
  const synqueue = simulateExperiment("synqueue", { backlog: 2 }, {});
  assert.deepEqual(
    synqueue.cases.map((c) => c.result.params.clients),
    [16, 16, 16],
  );
  assert.deepEqual(
    synqueue.cases.map((c) => c.result.params.backlog),
    [2, 2, 2],
  );
});

test("an experiment's options are its declared ones, in order: given values kept, the rest defaults, others dropped", () => {
  const synqueue = findExperiment("synqueue")!;
  assert.deepEqual(
    synqueue.options.map((o) => o.name),
    ["backlog", "clients", "max-syn-backlog"],
  );
  assert.deepEqual(synqueue.withDefaults({ backlog: 2, nope: 7 }), { backlog: 2, clients: 16, "max-syn-backlog": 8 });
  assert.deepEqual(simulateExperiment("overflow", { delay: 20 }, {}).options, { backlog: 2, burst: 4, delay: 20 });
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
  ] as const) {
    const run = start([...args]);
    assert.equal(await run.exit, 2, args.join(" "));
    assert.match(run.stderr(), message);
  }
});
