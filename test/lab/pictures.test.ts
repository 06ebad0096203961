// The lab's text tools and pictures: wrapping and folding to fit 100 columns, the terminal chart with its rows of
// marks, and the SVGs — a time axis scaled to the case's own events, lines at the turning points, rows of ticks for
// retransmissions, RSTs and returning calls, ListenOverflows as a step line, the sequence diagram's queue column.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Marker } from "../../src/lab/markers.js";
import { modelSeries } from "../../src/lab/model-series.js";
import type { LoggedPacket } from "../../src/lab/packet.js";
import { queueChart, resample } from "../../src/lab/queue-chart.js";
import type { QueueSample } from "../../src/lab/queue-sampler.js";
import { sequenceSvg } from "../../src/lab/sequence-svg.js";
import { renderSequence } from "../../src/lab/sequence-text.js";
import { queueChartSvg } from "../../src/lab/svg.js";
import { niceStep, timeAxis } from "../../src/lab/time-axis.js";
import { columns, foldRepeats, paint, plural, wrap, type View } from "../../src/lab/view.js";
import { simulate } from "../../src/sim/listen-path.js";

const view: View = { lang: "en", color: false, width: 100 };
const sample = (t: number, acceptQueue: number, estab: number, overflows: number | null = null): QueueSample => ({
  t,
  acceptQueue,
  synRecv: null,
  clients: { ESTAB: estab, "SYN-SENT": 4 - estab },
  listenOverflows: overflows,
});
const samples = [0, 10, 20, 30, 40].map((t, i) => sample(t, [0, 3, 6, 6, 0][i]!, i));

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

/** A logged packet of the client on port 5. */
function packet(t: number, from: "client" | "server", kind: string, queue?: [number, number]): LoggedPacket {
  const flags = { syn: kind.startsWith("SYN"), ack: kind !== "SYN", fin: false, rst: kind === "RST" };
  const ports = from === "client" ? { srcPort: 5, dstPort: 6 } : { srcPort: 6, dstPort: 5 };
  const probed = queue ? { acceptQueue: { before: queue[0], after: queue[1] } } : {};
  return { from, ...flags, payload: 0, ...ports, t, delayMs: 0, kind, deliveredAt: t, ...probed };
}

test("the sequence diagram fits the view, wrapping long steps inside their lane, packets between the lanes", () => {
  const lines = renderSequence(
    view,
    [{ t: 1, who: "server", what: "listen(5) on 127.0.0.1:40000; accept() not called, ".repeat(3) }],
    [packet(2, "client", "SYN", [0, 0]), packet(3, "client", "ACK", [0, 1])],
  );
  assert.ok(lines.length > 3);
  assert.ok(
    lines.some((l) => /\|ACK :5 ─+▶ *\| accept queue 0 → 1$/.test(l)),
    lines.join("\n"),
  );
  for (const l of lines) assert.ok(columns(l) <= 100, l);
});

test("the terminal chart has a row per quantity and per kind of mark, over the events' span, within 100 columns", () => {
  assert.deepEqual(resample([0, 10, 20], [1, 5, 2], 0, 20, 4), [1, 1, 5, 2], "an empty slice repeats the one before");
  const markers: Marker[] = [
    { t: 25, kind: "drain" },
    { t: 31, kind: "SYN retransmitted" },
    { t: 31.1, kind: "SYN retransmitted" },
  ];
  const chart = queueChart(view, samples, undefined, markers);
  assert.match(chart[1]!, /^accept queue .*max 6$/);
  assert.ok(chart.some((l) => /^clients SYN-SENT .*max 4$/.test(l)));
  assert.ok(!chart.some((l) => l.startsWith("SYN-RECV")), "SYN-RECV was not sampled, so it has no row");
  assert.ok(chart.some((l) => /^drain starts +│$/.test(l)));
  assert.ok(
    chart.some((l) => /^SYN retransmitted +2$/.test(l)),
    "two retransmissions in one column read 2",
  );
  for (const l of chart) assert.ok(columns(l) <= 100, l);
  assert.deepEqual(queueChart(view, samples.slice(0, 1)), [], "one sample is no chart");
});

test("the time axis covers the events: a 15 ms case in ms, a 20 s one in seconds, with round ticks", () => {
  assert.deepEqual([niceStep(15), niceStep(20_000), niceStep(0.9)], [2, 5000, 0.2]);
  const short = timeAxis([sample(1003, 0, 0), sample(1015, 9, 0)]);
  assert.ok(short.from === 1003 && short.to > 1015 && short.to < 1016, "from the first event to the last");
  assert.deepEqual(short.ticks.map(short.label), ["1004 ms", "1006 ms", "1008 ms", "1010 ms", "1012 ms", "1014 ms"]);
  const long = timeAxis([sample(0, 0, 0)], [{ t: 19_500, kind: "connect() returns" }]);
  assert.deepEqual(long.ticks.map(long.label), ["0 s", "5 s", "10 s", "15 s"]);
});

test("the queue SVG marks the turning points, the packets and calls, and draws ListenOverflows", () => {
  const withCounter = [0, 1000, 2000, 12000, 19000].map((t, i) =>
    sample(t, [6, 6, 6, 0, 4][i]!, 2, [4, 8, 12, 32, 32][i]),
  );
  const markers: Marker[] = [
    { t: 12000, kind: "drain" },
    { t: 12000, kind: "counts" },
    ...[1000, 1001, 2000].map((t): Marker => ({ t, kind: "SYN retransmitted", port: 7 })),
    { t: 19000, kind: "connect() returns", port: 7 },
    { t: 19001, kind: "RST", port: 8 },
  ];
  const svg = queueChartSvg("a <chart>", [{ title: "case 1", samples: withCounter, markers }]);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.match(svg, /a &lt;chart&gt;/);
  assert.equal((svg.match(/<path d="M/g) ?? []).length, 4, "accept queue, clients ESTAB, SYN-SENT, ListenOverflows");
  for (const label of ["drain starts", "counts taken", "SYN retransmitted", "connect() returns", "RST"])
    assert.match(svg, new RegExp(`>${label.replace(/[()]/g, "\\$&")}</text>`), label);
  assert.match(svg, />×2</, "two retransmissions a millisecond apart are one tick, ×2");
  assert.match(svg, /stroke-dasharray="5 3"/, "the turning points are lines across the plot");
  assert.match(svg, /ListenOverflows \(counter, max 32\)/);
  for (const n of [4, 8, 12, 32]) assert.match(svg, new RegExp(`>${n}</text>`), `the counter's step to ${n}`);
  assert.match(svg, />15 s</, "the axis is in seconds over the 19 s of events");
});

test("the sequence SVG keeps the order things happened, with the accept queue beside each row", () => {
  const svg = sequenceSvg(
    "s",
    [
      { t: 0, who: "client", what: "connect()" },
      { t: 3.2, who: "client", what: "connect() returned", acceptQueue: 1 },
      { t: 9, who: "server", what: "accept() returned a new socket", acceptQueue: 0 },
    ],
    [packet(1, "client", "SYN", [0, 0]), packet(2, "server", "SYN-ACK", [0, 0]), packet(3.1, "client", "ACK", [0, 1])],
  );
  assert.match(svg, /marker-end="url\(#a\)"/);
  assert.match(svg, />accept queue</);
  assert.match(svg, /font-weight="bold" fill="#1f77b4"[^>]*>0 → 1</, "the ACK moved the queue from 0 to 1");
  const order = ["SYN :5", "SYN-ACK :5", "ACK :5", "connect() returned", "accept() returned"].map((s) =>
    svg.indexOf(s),
  );
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
    "connect() returns after the ACK it depends on",
  );
  assert.ok(order.every((i) => i > 0));
});

test("the model's series replays its timelines and its counter: listen(5), ten clients, four wait and overflow", () => {
  const series = modelSeries(
    simulate({ backlog: 5, clients: 10, observeAtMs: 300, acceptFromMs: 300, durationMs: 2000 }),
  );
  assert.equal(Math.max(...series.map((s) => s.acceptQueue)), 6);
  assert.equal(Math.max(...series.map((s) => s.clients["SYN-SENT"] ?? 0)), 4);
  const before = series.filter((s) => s.t < 300).at(-1)!;
  assert.deepEqual(
    [before.acceptQueue, before.clients.ESTAB, before.clients["SYN-SENT"], before.listenOverflows],
    [6, 6, 4, 4],
  );
  const end = series.at(-1)!;
  assert.deepEqual([end.t, end.acceptQueue, end.clients.ESTAB], [2000, 0, 10], "all ten in and accepted by the end");
});
