// The lab's queue pictures as standalone SVG: one panel per case, over a time axis scaled to that case's events —
// step lines for the accept queue, SYN-RECV and the clients by state; a line across the plot at each turning point
// (counts, drain, a held packet let through); a row of ticks for each kind of packet or call (retransmitted SYNs and
// SYN-ACKs, RSTs, connect() and accept() returning); and ListenOverflows as its own step line where it was sampled.

import { clusterMarkers, MARKER_NAMES, markerKinds, TURNING_POINTS, type Marker } from "./markers.js";
import type { QueueSample } from "./queue-sampler.js";
import { timeAxis, type TimeAxis } from "./time-axis.js";

const W = 960;
const M = { left: 52, right: 250, top: 26 };
const LABEL_ROW = 11;
const PLOT_H = 130;
const ROW_H = 15;
const COUNTER_H = 60;
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#7f7f7f"];
/** Each kind of mark in its own colour, the same in every picture. */
const MARK_COLOURS: Record<string, string> = {
  drain: "#000000",
  counts: "#7f7f7f",
  release: "#9467bd",
  "late SYN": "#9467bd",
  "SYN retransmitted": "#1f77b4",
  "SYN-ACK retransmitted": "#17becf",
  RST: "#d62728",
  "connect() returns": "#2ca02c",
  "connect() fails": "#8c564b",
  "accept() returns": "#ff7f0e",
};
/** The font every text element uses. */
export const FONT = `font-family="Helvetica, Arial, sans-serif"`;

/** `text` safe inside an SVG element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}

/** A text element. */
export function text(x: number, y: number, body: string, attrs = ""): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs} ${FONT}>${escapeXml(body)}</text>`;
}

/** A whole SVG document of `width` × `height` on a white background. */
export function svgDocument(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

/** The quantities drawn as step lines: the two queues where sampled, and each client state that occurred. */
function series(samples: readonly QueueSample[]): Array<{ name: string; values: number[] }> {
  const states = [...new Set(samples.flatMap((s) => Object.keys(s.clients)))].sort();
  return [
    { name: "accept queue", values: samples.map((s) => s.acceptQueue) },
    ...(samples.some((s) => s.synRecv !== null)
      ? [{ name: "SYN-RECV", values: samples.map((s) => s.synRecv ?? 0) }]
      : []),
    ...states.map((st) => ({ name: `clients ${st}`, values: samples.map((s) => s.clients[st] ?? 0) })),
  ];
}

/** A step line through `values` at `times`, held to the axis's end. */
function stepPath(times: number[], values: number[], x: (t: number) => number, y: (v: number) => number, to: number) {
  let d = `M${x(times[0]!).toFixed(1)},${y(values[0]!).toFixed(1)}`;
  for (let i = 1; i < times.length; i++) d += `H${x(times[i]!).toFixed(1)}V${y(values[i]!).toFixed(1)}`;
  return `${d}H${x(to).toFixed(1)}`;
}

/** Where things go in one panel. */
interface Frame {
  top: number;
  axis: TimeAxis;
  x: (t: number) => number;
}

/** The time axis under a plot whose bottom is at `bottom`: its line, its ticks and their labels. */
function timeTicks(f: Frame, bottom: number): string[] {
  const out = [`<line x1="${M.left}" y1="${bottom}" x2="${W - M.right}" y2="${bottom}" stroke="#333"/>`];
  for (const t of f.axis.ticks) {
    out.push(
      `<line x1="${f.x(t).toFixed(1)}" y1="${bottom}" x2="${f.x(t).toFixed(1)}" y2="${bottom + 4}" stroke="#333"/>`,
    );
    out.push(text(f.x(t), bottom + 15, f.axis.label(t), `text-anchor="middle" font-size="10"`));
  }
  return out;
}

/** The queue plot: value ticks, step lines, their legend. */
function queuePlot(f: Frame, samples: readonly QueueSample[]): string[] {
  const rows = series(samples);
  const max = Math.max(1, ...rows.flatMap((r) => r.values));
  const y = (v: number) => f.top + PLOT_H - (v / max) * PLOT_H;
  const times = samples.map((s) => s.t);
  const out = [`<line x1="${M.left}" y1="${f.top}" x2="${M.left}" y2="${f.top + PLOT_H}" stroke="#333"/>`];
  const step = Math.max(1, Math.ceil(max / 5));
  for (let v = 0; v <= max; v += step)
    out.push(text(M.left - 6, y(v) + 4, String(v), `text-anchor="end" font-size="10"`));
  rows.forEach((r, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    // Each line a little above and thinner than the one before, so that lines on the same value all stay visible.
    const lifted = (v: number) => y(v) - i * 2;
    const width = Math.max(1.5, 4 - i);
    const d = times.length > 0 ? stepPath(times, r.values, f.x, lifted, f.axis.to) : "";
    if (d) out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="${width}"/>`);
    const ly = f.top + 10 + i * 15;
    out.push(
      `<rect x="${W - M.right + 12}" y="${ly - 5}" width="12" height="3" fill="${colour}"/>`,
      text(W - M.right + 30, ly, `${r.name} (max ${Math.max(0, ...r.values)})`, `font-size="11"`),
    );
  });
  return out;
}

/** Label rows for the turning points: each label on the first row where it does not run into the one before. */
function labelRows(f: Frame, markers: readonly Marker[]): Array<{ m: Marker; row: number }> {
  const ends: number[] = [];
  return markers
    .filter((m) => TURNING_POINTS.has(m.kind))
    .map((m) => {
      const x = f.x(m.t);
      const width = MARKER_NAMES[m.kind].en.length * 5.6 + 8;
      let row = ends.findIndex((end) => end < x);
      if (row < 0) row = ends.push(0) - 1;
      ends[row] = x + width;
      return { m, row };
    });
}

/** How many label rows the turning points of a panel take. */
function labelRowCount(f: Frame, markers: readonly Marker[]): number {
  return Math.max(0, ...labelRows(f, markers).map((l) => l.row + 1));
}

/** A dashed line across the plot at each turning point, labelled above the plot, one row per overlap. */
function turningPoints(f: Frame, markers: readonly Marker[]): string[] {
  const rows = labelRowCount(f, markers);
  return labelRows(f, markers).flatMap(({ m, row }) => {
    const x = f.x(m.t).toFixed(1);
    const colour = MARK_COLOURS[m.kind]!;
    const labelY = f.top - 6 - (rows - 1 - row) * LABEL_ROW;
    return [
      `<line x1="${x}" y1="${labelY + 2}" x2="${x}" y2="${f.top + PLOT_H}" stroke="${colour}" stroke-dasharray="5 3"/>`,
      text(f.x(m.t) + 3, labelY, MARKER_NAMES[m.kind].en, `font-size="10" fill="${colour}"`),
    ];
  });
}

/** A row of ticks per kind of packet or call, under the time axis: one tick per group, "×N" where several fall together. */
function eventRows(f: Frame, markers: readonly Marker[], top: number): string[] {
  const kinds = markerKinds(markers).filter((k) => !TURNING_POINTS.has(k));
  const within = (f.axis.to - f.axis.from) / 150;
  return kinds.flatMap((kind, i) => {
    const y = top + i * ROW_H;
    const colour = MARK_COLOURS[kind]!;
    const groups = clusterMarkers(
      markers.filter((m) => m.kind === kind),
      within,
    );
    return [
      text(W - M.right + 12, y + 4, MARKER_NAMES[kind].en, `font-size="10" fill="${colour}"`),
      ...groups.flatMap((g) => [
        `<line x1="${f.x(g.t).toFixed(1)}" y1="${y - 5}" x2="${f.x(g.t).toFixed(1)}" y2="${y + 5}" stroke="${colour}" stroke-width="2"/>`,
        ...(g.n > 1 ? [text(f.x(g.t) + 3, y + 4, `×${g.n}`, `font-size="9" fill="${colour}"`)] : []),
      ]),
    ];
  });
}

/** ListenOverflows as a step line with its value at each change, where the samples carry it and it moved. */
function counterPlot(f: Frame, samples: readonly QueueSample[], top: number): string[] {
  const counted = samples.filter((s) => s.listenOverflows !== null);
  const values = counted.map((s) => s.listenOverflows!);
  const max = Math.max(0, ...values);
  if (max === 0) return [];
  const y = (v: number) => top + COUNTER_H - (v / max) * COUNTER_H;
  const times = counted.map((s) => s.t);
  const out = [
    `<path d="${stepPath(times, values, f.x, y, f.axis.to)}" fill="none" stroke="#d62728" stroke-width="2"/>`,
    `<line x1="${M.left}" y1="${top}" x2="${M.left}" y2="${top + COUNTER_H}" stroke="#333"/>`,
    text(W - M.right + 12, top + 10, `ListenOverflows (counter, max ${max})`, `font-size="11" fill="#d62728"`),
  ];
  let shown = -1;
  counted.forEach((s, i) => {
    if (
      s.listenOverflows === shown ||
      (i + 1 < counted.length && counted[i + 1]!.t - s.t < (f.axis.to - f.axis.from) / 60)
    )
      return;
    shown = s.listenOverflows!;
    out.push(text(f.x(s.t) + 2, y(shown) - 3, String(shown), `font-size="9" fill="#d62728"`));
  });
  return [...out, ...timeTicks(f, top + COUNTER_H)];
}

/** What one panel needs: its title, samples and marks. */
export interface ChartPanel {
  title: string;
  samples: readonly QueueSample[];
  markers?: readonly Marker[];
}

/** Where a panel's parts go: its time axis and the label rows its turning points need above the plot. */
function layout(p: ChartPanel, top: number): { f: Frame; labels: number } {
  const markers = p.markers ?? [];
  const axis = timeAxis(p.samples, markers);
  const x = (t: number) => M.left + ((t - axis.from) / (axis.to - axis.from)) * (W - M.left - M.right);
  const labels = labelRowCount({ top, axis, x }, markers);
  return { f: { top: top + M.top + labels * LABEL_ROW, axis, x }, labels };
}

/** The height a panel takes. */
function panelHeight(p: ChartPanel): number {
  const rows = markerKinds(p.markers ?? []).filter((k) => !TURNING_POINTS.has(k)).length;
  const counter = p.samples.some((s) => (s.listenOverflows ?? 0) > 0) ? COUNTER_H + 40 : 0;
  return M.top + layout(p, 0).labels * LABEL_ROW + PLOT_H + 34 + rows * ROW_H + counter + 20;
}

/** One panel at `top`: title, plot, turning points, the axis, the rows of marks, the counter. */
function panel(p: ChartPanel, top: number): string[] {
  const markers = p.markers ?? [];
  const { f } = layout(p, top);
  const rowsTop = f.top + PLOT_H + 34;
  const rows = markerKinds(markers).filter((k) => !TURNING_POINTS.has(k)).length;
  return [
    text(M.left, top + 14, p.title, `font-size="13" font-weight="bold"`),
    ...queuePlot(f, p.samples),
    ...turningPoints(f, markers),
    ...timeTicks(f, f.top + PLOT_H),
    ...eventRows(f, markers, rowsTop),
    ...counterPlot(f, p.samples, rowsTop + rows * ROW_H + 14),
  ];
}

/** Queue depth over time, one panel per case, each over its own events, as an SVG document. */
export function queueChartSvg(title: string, panels: readonly ChartPanel[]): string {
  const body = [text(M.left, 20, title, `font-size="15" font-weight="bold"`)];
  let top = 30;
  for (const p of panels) {
    body.push(...panel(p, top));
    top += panelHeight(p);
  }
  return svgDocument(W, top, body);
}
