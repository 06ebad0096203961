// Queue depth over time as a terminal chart: one row of block characters per quantity (the accept queue, SYN-RECV
// requests, clients by state, ListenOverflows), time running left to right over the span of the case's events, each
// row scaled to its own maximum; under the axis a row per kind of mark (drain, retransmissions, RSTs, calls).

import { clusterMarkers, MARKER_NAMES, markerKinds, type Marker } from "./markers.js";
import type { QueueSample } from "./queue-sampler.js";
import { timeAxis } from "./time-axis.js";
import { columns, paint, say, type Tone, type View } from "./view.js";

const BLOCKS = " ▁▂▃▄▅▆▇█";
const LABEL = 22;

/** One row of the chart: a quantity, its colour and its value in each sample. */
export interface Row {
  label: string;
  tone: Tone;
  values: number[];
}

/** The quantities worth a row: the two queues, each client state that occurred, the counter where it moved. */
function chartRows(view: View, samples: readonly QueueSample[]): Row[] {
  const states = [...new Set(samples.flatMap((s) => Object.keys(s.clients)))].sort();
  const client = say(view, { en: "clients", zh: "客户端" });
  const rows: Row[] = [
    {
      label: say(view, { en: "accept queue", zh: "accept 队列" }),
      tone: "cyan",
      values: samples.map((s) => s.acceptQueue),
    },
  ];
  if (samples.some((s) => s.synRecv !== null)) {
    const label = say(view, { en: "SYN-RECV requests", zh: "SYN-RECV 请求" });
    rows.push({ label, tone: "yellow", values: samples.map((s) => s.synRecv ?? 0) });
  }
  for (const st of states) {
    rows.push({
      label: `${client} ${st}`,
      tone: st === "ESTAB" ? "green" : "dim",
      values: samples.map((s) => s.clients[st] ?? 0),
    });
  }
  if (samples.some((s) => (s.listenOverflows ?? 0) > 0)) {
    rows.push({ label: "ListenOverflows", tone: "red", values: samples.map((s) => s.listenOverflows ?? 0) });
  }
  return rows;
}

/** The largest value in each of `buckets` equal time slices; a slice without samples repeats the one before. */
export function resample(times: number[], values: number[], from: number, to: number, buckets: number): number[] {
  const out: number[] = [];
  const span = Math.max(to - from, 1e-9);
  let j = 0;
  let last = 0;
  for (let b = 0; b < buckets; b++) {
    const end = from + ((b + 1) * span) / buckets;
    let max: number | null = null;
    while (j < times.length && (times[j]! < end || b === buckets - 1)) {
      max = Math.max(max ?? 0, values[j]!);
      last = values[j]!;
      j++;
    }
    out.push(max ?? last);
  }
  return out;
}

function sparkline(values: number[], max: number): string {
  return values.map((v) => (v <= 0 ? BLOCKS[0] : BLOCKS[Math.max(1, Math.round((v / Math.max(max, 1)) * 8))])).join("");
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - columns(text)));
}

/** A row of marks of one kind: "│" where one falls, its count where several share a column. */
function markRow(marks: readonly Marker[], from: number, to: number, width: number): string {
  const cells = Array<string>(width).fill(" ");
  for (const g of clusterMarkers(marks, (to - from) / width)) {
    const i = Math.min(width - 1, Math.max(0, Math.floor(((g.t - from) / Math.max(to - from, 1e-9)) * width)));
    cells[i] = g.n === 1 ? "│" : g.n < 10 ? String(g.n) : "+";
  }
  return cells.join("").trimEnd();
}

/** The chart as lines of at most `view.width` columns; empty when there are fewer than two samples. */
export function queueChart(
  view: View,
  samples: readonly QueueSample[],
  title?: string,
  markers: readonly Marker[] = [],
) {
  if (samples.length < 2) return [];
  const width = Math.max(20, view.width - LABEL - 10);
  const axis = timeAxis(samples, markers);
  const times = samples.map((s) => s.t);
  const rows = chartRows(view, samples).map((row) => {
    const max = Math.max(0, ...row.values);
    const line = sparkline(resample(times, row.values, axis.from, axis.to, width), max);
    return `${pad(row.label, LABEL)}${paint(view, row.tone, line)}  ${say(view, { en: "max", zh: "最大" })} ${max}`;
  });
  const [start, end] = [axis.label(axis.from), axis.label(axis.to)];
  const axisLine = `${" ".repeat(LABEL)}${pad(start, width - columns(end))}${end}`;
  const marks = markerKinds(markers).map((kind) => {
    const row = markRow(
      markers.filter((m) => m.kind === kind),
      axis.from,
      axis.to,
      width,
    );
    return `${pad(say(view, MARKER_NAMES[kind]), LABEL)}${paint(view, "dim", row)}`;
  });
  const head =
    title ??
    say(view, {
      en: "Queue depth over time (each row scaled to its maximum):",
      zh: "队列深度随时间的变化（每行按其最大值缩放）：",
    });
  return [head, ...rows, axisLine, ...marks];
}
