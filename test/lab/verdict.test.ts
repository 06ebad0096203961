// The lab's verdict: the cases of an experiment joined under their names, and the lines that end its story — green
// when every claim held, red with each claim that did not, in the view's language.
import assert from "node:assert/strict";
import { test } from "node:test";
import { claimsVerdictLines } from "../../src/lab/claim-lines.js";
import { claim } from "../../src/lab/claims.js";
import { joinVerdicts } from "../../src/lab/verdict.js";
import { columns, type View } from "../../src/lab/view.js";

const view: View = { lang: "en", color: false, width: 60 };
const say = (n: number | string | readonly number[] | null) => ({ en: `value ${String(n)}`, zh: `值 ${String(n)}` });

test("several cases make one verdict, each difference under its case's label", () => {
  const cases = [
    { abort: 0, verdict: { agree: true, differences: [] } },
    { abort: 1, verdict: { agree: false, differences: ["reset: measured 2, the model predicts 3"] } },
  ];
  assert.deepEqual(
    joinVerdicts(cases, (c) => `abort_on_overflow=${c.abort}`),
    { agree: false, differences: ["abort_on_overflow=1: reset: measured 2, the model predicts 3"] },
  );
  assert.deepEqual(
    joinVerdicts(cases.slice(0, 1), () => "x"),
    { agree: true, differences: [] },
  );
});

test("the verdict lines count the claims, and name each one that does not hold, in English or Chinese", () => {
  const held = claim("established", 6, { readings: [{ evidence: "tcp_info", value: 6 }], say });
  const broken = claim("reset", 2, {
    readings: [
      { evidence: "recv()", value: 2 },
      { evidence: "packets", value: 1 },
    ],
    say,
  });
  const one = [{ setting: {}, claims: [held] }];
  assert.deepEqual(claimsVerdictLines(view, one), [
    "",
    "Verdict: all 1 claims hold — every record agrees with the others and with the model.",
  ]);
  const two = [{ setting: { tcp_abort_on_overflow: 1 }, claims: [held, broken] }];
  const lines = claimsVerdictLines(view, two);
  assert.match(lines[1]!, /^Verdict: 1 of 2 claims do not hold/);
  assert.deepEqual(lines.slice(2), ["  tcp_abort_on_overflow=1 reset: recv() read 2 but packets read 1"]);
  const zh = claimsVerdictLines({ ...view, lang: "zh" }, two);
  assert.match(zh[1]!, /^结论：2 项中有 1 项不成立/);
  assert.equal(zh[2], "  tcp_abort_on_overflow=1 reset：recv() 读到 2，而 数据包 读到 1");
  for (const line of [...lines, ...zh]) assert.ok(columns(line) <= 100, line);
});
