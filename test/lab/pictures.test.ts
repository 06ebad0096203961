// The lab's text tools and pictures: wrapping and folding to fit 100 columns, the terminal chart and the SVGs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { modelSeries } from "../../src/lab/model-series.js";
import { queueChart, resample } from "../../src/lab/queue-chart.js";
import { simulate } from "../../src/sim/listen-path.js";
import type { QueueSample } from "../../src/lab/queue-sampler.js";
import { renderSequence } from "../../src/lab/sequence-text.js";
import { queueChartSvg, sequenceSvg } from "../../src/lab/svg.js";
import { columns, foldRepeats, paint, plural, wrap, type View } from "../../src/lab/view.js";

const view: View = { lang: "en", color: false, width: 100 };
const samples: QueueSample[] = [0, 10, 20, 30, 40].map((t, i) => ({
  t,
  acceptQueue: [0, 3, 6, 6, 0][i]!,
  synRecv: null,
  clients: { ESTAB: i, "SYN-SENT": 4 - i },
}));

test("wrap keeps every line within the width, CJK characters counting two columns", () => {
  const text = "word ".repeat(60) + "一二三四五六七八九十".repeat(12);
  for (const line of wrap(text, 40, "  ")) assert.ok(columns(line) <= 40, line);
  assert.equal(columns("你好ab"), 6);
  assert.equal(columns(paint({ ...view, color: true }, "red", "abc")), 3, "colour codes take no room");
});

test("runs of lines alike but for their numbers fold to the first, a count and the last", () => {
  const lines = Array.from({ length: 44 }, (_, i) => `client ${i + 6} connected at ${1000 + i} ms`);
  const folded = foldRepeats(["head", ...lines, "tail"]);
  assert.deepEqual(folded, [
    "head",
    "client 6 connected at 1000 ms",
    "      … 42 more like these",
    "client 49 connected at 1043 ms",
    "tail",
  ]);
  assert.deepEqual(foldRepeats(["a 1", "a 2", "b"]), ["a 1", "a 2", "b"], "short runs stay");
  assert.equal(plural(1, "handshake"), "1 handshake");
  assert.equal(plural(6, "handshake"), "6 handshakes");
});

test("the sequence diagram fits the view, wrapping long steps inside their lane", () => {
  const lines = renderSequence(view, [
    { t: 1, who: "server", what: "listen(5) on 127.0.0.1:40000; accept() not called, ".repeat(3) },
  ]);
  assert.ok(lines.length > 2);
  for (const l of lines) assert.ok(columns(l) <= 100, l);
});

test("the terminal chart has a row per quantity, scaled to its maximum, within 100 columns", () => {
  assert.deepEqual(resample([0, 10, 20], [1, 5, 2], 0, 20, 4), [1, 1, 5, 2], "an empty slice repeats the one before");
  const chart = queueChart(view, samples);
  assert.match(chart[1]!, /^accept queue .*max 6$/);
  assert.ok(chart.some((l) => /^clients SYN-SENT .*max 4$/.test(l)));
  assert.ok(!chart.some((l) => l.startsWith("SYN-RECV")), "SYN-RECV was not sampled, so it has no row");
  for (const l of chart) assert.ok(columns(l) <= 100, l);
  assert.deepEqual(queueChart(view, samples.slice(0, 1)), [], "one sample is no chart");
});

test("the SVGs are whole documents with a step line per quantity and escaped text", () => {
  const svg = queueChartSvg("a <chart>", [{ title: "case 1", samples }]);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.equal((svg.match(/<path d="M/g) ?? []).length, 3, "accept queue, clients ESTAB, clients SYN-SENT");
  assert.match(svg, /a &lt;chart&gt;/);
  const seq = sequenceSvg(
    "s",
    [{ t: 0, who: "client", what: "connect()" }],
    [
      {
        from: "client",
        syn: true,
        ack: false,
        fin: false,
        rst: false,
        payload: 0,
        srcPort: 5,
        dstPort: 6,
        t: 1,
        delayMs: 50,
        kind: "SYN",
      },
    ],
  );
  assert.match(seq, /marker-end="url\(#a\)"/);
  assert.match(seq, /SYN :5/);
});

test("the model's series replays its timelines: listen(5) with ten clients fills the queue to six, four wait", () => {
  const series = modelSeries(
    simulate({ backlog: 5, clients: 10, observeAtMs: 300, acceptFromMs: 300, durationMs: 2000 }),
  );
  assert.equal(Math.max(...series.map((s) => s.acceptQueue)), 6);
  assert.equal(Math.max(...series.map((s) => s.clients["SYN-SENT"] ?? 0)), 4);
  const before = series.filter((s) => s.t < 300).at(-1)!;
  assert.deepEqual([before.acceptQueue, before.clients.ESTAB, before.clients["SYN-SENT"]], [6, 6, 4]);
  const end = series.at(-1)!;
  assert.deepEqual([end.t, end.acceptQueue, end.clients.ESTAB], [2000, 0, 10], "all ten in and accepted by the end");
});
