// The lab's verdict: measured against predicted quantity by quantity, cases joined under their labels, and the
// lines that end every experiment's story.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compare, joinVerdicts, withVerdict } from "../../src/lab/verdict.js";
import type { View } from "../../src/lab/view.js";

const view: View = { lang: "en", color: false, width: 40 };

test("each predicted quantity the run measured differently is one difference line", () => {
  assert.deepEqual(compare({ established: 6, state: "ESTAB" }, { established: 6, state: "ESTAB" }), {
    agree: true,
    differences: [],
  });
  assert.deepEqual(compare({ established: 6, synSent: 4, extra: 1 }, { established: 5, synSent: 4 }), {
    agree: false,
    differences: ["established: measured 6, model 5"],
  });
});

test("several cases make one verdict, each difference under its case's label", () => {
  const cases = [
    { abort: 0, verdict: { agree: true, differences: [] } },
    { abort: 1, verdict: { agree: false, differences: ["reset: measured 2, model 3"] } },
  ];
  assert.deepEqual(
    joinVerdicts(cases, (c) => `abort_on_overflow=${c.abort}`),
    { agree: false, differences: ["abort_on_overflow=1: reset: measured 2, model 3"] },
  );
  assert.deepEqual(
    joinVerdicts(cases.slice(0, 1), () => "x"),
    { agree: true, differences: [] },
  );
});

test("the story ends with the verdict, every line fitted to the view", () => {
  const agreed = withVerdict(view, ["a story line"], { agree: true, differences: [] });
  assert.deepEqual(agreed.slice(0, 2), ["a story line", ""]);
  assert.deepEqual(agreed.slice(2), ["Verdict: the kernel did what the model", "    predicts."]);
  const disagreed = withVerdict(view, [], { agree: false, differences: ["established: measured 6, model 5"] });
  assert.deepEqual(disagreed, [
    "",
    "Verdict: the kernel and the model",
    "    disagree:",
    "  established: measured 6, model 5",
  ]);
  for (const line of [...agreed, ...disagreed]) assert.ok(line.length <= 40, line);
});
