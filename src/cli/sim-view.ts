// How `socketkit sim <experiment>` reads: each model run's label, what it predicts in the lab's own fields, the
// observation and counters, and with --timeline every connection's states: in the terminal, or one record for --json.

import { modelSeries } from "../lab/model-series.js";
import { queueChart } from "../lab/queue-chart.js";
import type { simulateExperiment } from "../lab/registry.js";
import { queueChartSvg } from "../lab/svg.js";
import { fit, foldRepeats, paint, say, type View } from "../lab/view.js";

type Report = ReturnType<typeof simulateExperiment>;
type Case = Report["cases"][number];

/** A list of numbers as itself when short, else as its range and length. */
function list(v: unknown[]): string {
  if (v.length === 0) return "-";
  if (v.length <= 6) return v.join(",");
  const nums = v.map(Number);
  return `${Math.min(...nums)}–${Math.max(...nums)} (${v.length} values)`;
}

function fields(record: Record<string, unknown> | null): string {
  if (record === null) return "";
  return Object.entries(record)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? list(v) : String(v)}`)
    .join("   ");
}

function connectionLines(conn: Case["result"]["connections"][number]): string[] {
  return [
    `  client ${conn.id}:`,
    ...foldRepeats(
      conn.timeline.map(
        (e) =>
          `  ${e.t.toFixed(2).padStart(10)} ms  client ${e.client.padEnd(10)} server ${e.server.padEnd(10)} ${e.event}`,
      ),
    ),
  ];
}

/** Every connection's timeline; a run of connections whose stories differ only in their numbers shows first and last. */
function timelines(view: View, c: Case): string[] {
  const shape = (conn: Case["result"]["connections"][number]) =>
    conn.timeline.map((e) => `${e.client} ${e.server} ${e.event.replace(/\d+/g, "#")}`).join("|");
  const conns = c.result.connections;
  const out: string[] = [];
  for (let i = 0; i < conns.length;) {
    let j = i;
    while (j + 1 < conns.length && shape(conns[j + 1]!) === shape(conns[i]!)) j++;
    out.push(...connectionLines(conns[i]!));
    if (j - i >= 2)
      out.push(say(view, { en: `      … ${j - i - 1} more like these`, zh: `      … 另有 ${j - i - 1} 个与此相似` }));
    if (j > i) out.push(...connectionLines(conns[j]!));
    i = j + 1;
  }
  return out;
}

function caseLines(view: View, c: Case, withTimeline: boolean): string[] {
  const o = c.result.observation;
  return [
    paint(view, "bold", `${say(view, { en: "model", zh: "模型" })}: ${say(view, { en: c.label, zh: c.zh })}`),
    say(view, { en: `  predicts: ${fields(c.predicted)}`, zh: `  预测: ${fields(c.predicted)}` }),
    say(view, {
      en: `  at ${o.at} ms: ${o.established} connected, ${o.synSent} in SYN-SENT, accept queue ${o.acceptQueue}, SYN queue ${o.synQueue}`,
      zh: `  ${o.at} ms 时: ${o.established} 个已连接, ${o.synSent} 个在 SYN-SENT, accept 队列 ${o.acceptQueue}, SYN 队列 ${o.synQueue}`,
    }),
    `  ${say(view, { en: "counters", zh: "计数器" })}: ${Object.entries(o.counters)
      .map(([k, v]) => `${k} ${v}`)
      .join("  ")}`,
    ...queueChart(
      view,
      modelSeries(c.result),
      say(view, { en: "  queue depth over time (model):", zh: "  队列深度随时间的变化 (模型):" }),
    ),
    ...(withTimeline ? timelines(view, c) : []),
    "",
  ];
}

/** The report as the terminal shows it, every line fitted to the view. */
export function renderSimulation(report: Report, view: View, withTimeline: boolean): string[] {
  return fit(
    view,
    report.cases.flatMap((c) => caseLines(view, c, withTimeline)),
  );
}

/** The model's queues over time as `sim --svg` writes them: a panel per case. */
export function simulationSvg(report: Report): string {
  const panels = report.cases.map((c) => ({ title: c.label, samples: modelSeries(c.result) }));
  return queueChartSvg(`sim ${report.experiment} (the model)`, panels);
}

/** The report as `sim --json` prints it: each case's prediction, observation, counters and queues over time. */
export function simulationRecord(report: Report, withTimeline: boolean) {
  return {
    ...report,
    cases: report.cases.map((c) => ({
      label: c.label,
      predicted: c.predicted,
      observation: c.result.observation,
      counters: c.result.counters,
      series: modelSeries(c.result),
      ...(withTimeline ? { connections: c.result.connections } : {}),
    })),
  };
}
