// Claims: a finding agrees only when every record that speaks to it reads the same and the model does too. A record
// contradicting another is a disagreement even where the model agrees with one of them; times agree within the
// tolerance their records' resolution allows; a claim's line names the records it rests on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { claimLines } from "../../src/lab/claim-lines.js";
import { claim, judge, sameValue, showValue } from "../../src/lab/claims.js";
import type { View } from "../../src/lab/view.js";

const view: View = { lang: "en", color: false, width: 100 };
const say = (v: string | number | readonly number[] | null) => ({
  en: `the SYN was ${String(v)}`,
  zh: `SYN ${String(v)}`,
});

test("a claim every record and the model read alike agrees; its sentence is written from the value read", () => {
  const c = claim("lateSyn", "dropped", {
    readings: [
      { evidence: "packets", value: "dropped" },
      { evidence: "counters", value: "dropped" },
    ],
    say,
  });
  assert.equal(c.agree, true);
  assert.deepEqual(c.differences, []);
  assert.equal(c.text.en, "the SYN was dropped");
  assert.deepEqual(claimLines(view, c), ["  ✓ the SYN was dropped  [packets, counters; model dropped]"]);
});

test("one record contradicting another is a disagreement, even where the model agrees with the first", () => {
  const c = claim("lateSyn", "dropped", {
    readings: [
      { evidence: "counters", value: "dropped" },
      { evidence: "packets", value: "answered" },
    ],
    say,
  });
  assert.equal(c.agree, false, "the count alone agreed with the model; the packets did not");
  assert.deepEqual(c.differences, ["counters read dropped but packets read answered"]);
  const lines = claimLines(view, c);
  assert.match(lines[0]!, /^ {2}✗ the SYN was dropped {2}\[counters, packets; model dropped\]$/);
  assert.equal(lines[1], "      counters read dropped but packets read answered");
  const zh = claimLines({ ...view, lang: "zh" }, c);
  assert.match(zh[0]!, /［计数器，数据包；模型 丢弃］$/);
  assert.equal(zh[1], "      计数器 读到 丢弃，而 数据包 读到 有应答");
});

test("a measurement the model does not predict disagrees; a claim must rest on a record", () => {
  const c = claim("established", 5, { readings: [{ evidence: "tcp_info", value: 6 }], say });
  assert.deepEqual(c.differences, ["measured 6, the model predicts 5"]);
  assert.throws(() => claim("nothing", 1, { readings: [], say }), /rests on no record/);
});

test("times agree within their tolerance, one per element of a schedule", () => {
  assert.ok(sameValue([1, 2.1, 3.1], [1, 2, 3], 0.1), "a rounding error is not a difference");
  assert.ok(!sameValue([1, 2.1, 3.4], [1, 2, 3], 0.1));
  assert.ok(sameValue([1, 2, 11.4], [1, 2, 11], [0.2, 0.2, 1.6]), "lateness grows along the schedule");
  assert.ok(!sameValue([1, 2], [1, 2, 3], 5), "a missing retransmission is never near");
  assert.equal(showValue([1, 2, 3]), "[1, 2, 3]");
  assert.equal(showValue([]), "none");
});

test("judge makes a claim per predicted field: measured holds the first records' values, the verdict their keys", () => {
  const j = judge(
    { established: 6, synSent: 4 },
    {
      established: {
        readings: [
          { evidence: "tcp_info", value: 6 },
          { evidence: "sock_diag", value: 6 },
        ],
        say,
      },
      synSent: {
        readings: [
          { evidence: "tcp_info", value: 3 },
          { evidence: "packets", value: 4 },
        ],
        say,
      },
    },
  );
  assert.deepEqual(j.measured, { established: 6, synSent: 3 });
  assert.deepEqual(
    j.claims.map((c) => [c.key, c.agree]),
    [
      ["established", true],
      ["synSent", false],
    ],
  );
  assert.deepEqual(j.verdict, {
    agree: false,
    differences: ["synSent: tcp_info read 3 but packets read 4", "synSent: measured 3, the model predicts 4"],
  });
});
