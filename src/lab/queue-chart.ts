// Queue depth over time as a terminal chart: one row of block characters per quantity (the accept queue, SYN-RECV
// requests, clients by state), time running left to right, each row scaled to its own maximum.

import type { QueueSample } from "./queue-sampler.js";
import { columns, paint, say, type Tone, type View } from "./view.js";

const BLOCKS = " ▁▂▃▄▅▆▇█";
const LABEL = 22;

/** One row of the chart: a quantity, its colour and its value in each sample. */
export interface Row {
  label: string;
  tone: Tone;
  values: number[];
}

/** The quantities worth a row: the two queues always, and each client state that occurred. */
function chartRows(view: View, samples: QueueSample[]): Row[] {
  const states = [...new Set(samples.flatMap((s) => Object.keys(s.clients)))].sort();
  const client = say(view, { en: "clients", zh: "客户端" });
  return [
    {
      label: say(view, { en: "accept queue", zh: "accept 队列" }),
      tone: "cyan",
      values: samples.map((s) => s.acceptQueue),
    },
    ...(samples.some((s) => s.synRecv !== null)
      ? [
          {
            label: say(view, { en: "SYN-RECV requests", zh: "SYN-RECV 请求" }),
            tone: "yellow" as const,
            values: samples.map((s) => s.synRecv ?? 0),
          },
        ]
      : []),
    ...states.map((st): Row => ({
      label: `${client} ${st}`,
      tone: st === "ESTAB" ? "green" : "dim",
      values: samples.map((s) => s.clients[st] ?? 0),
    })),
  ];
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

/** The chart as lines of at most `view.width` columns; empty when there are fewer than two samples. */
export function queueChart(view: View, samples: QueueSample[], title?: string): string[] {
  if (samples.length < 2) return [];
  const width = Math.max(20, view.width - LABEL - 10);
  const times = samples.map((s) => s.t);
  const [from, to] = [times[0]!, times.at(-1)!];
  const rows = chartRows(view, samples).map((row) => {
    const max = Math.max(0, ...row.values);
    const line = sparkline(resample(times, row.values, from, to, width), max);
    return `${pad(row.label, LABEL)}${paint(view, row.tone, line)}  max ${max}`;
  });
  const axis = `${" ".repeat(LABEL)}${pad(`${from.toFixed(0)} ms`, width - 10)}${`${to.toFixed(0)} ms`.padStart(10)}`;
  const head =
    title ??
    say(view, {
      en: "Queue depth over time (each row scaled to its maximum):",
      zh: "队列深度随时间的变化 (每行按其最大值缩放):",
    });
  return [head, ...rows, axis];
}
