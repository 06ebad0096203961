// How `socketkit sim <experiment>` reads: each model run's label, what it predicts in the lab's own fields, the
// observation and counters, the queues over time, and with --timeline every connection's states. `sim --json`
// prints the record itself (src/lab/result.ts), the shape `lab --json` prints without what only a run measures.

import { queueChart } from "../lab/queue-chart.js";
import type { CaseRecord, SimRecord } from "../lab/result.js";
import { queueChartSvg } from "../lab/svg.js";
import { fit, foldRepeats, paint, say, type View } from "../lab/view.js";
import type { SimConnection } from "../sim/listen-path.js";

/** A list of numbers as itself when short, else as its range and length. */
function list(v: readonly unknown[]): string {
  if (v.length === 0) return "-";
  if (v.length <= 8) return v.join(",");
  const nums = v.map(Number);
  return `${Math.min(...nums)}–${Math.max(...nums)} (${v.length} values)`;
}

function fields(record: CaseRecord["predicted"]): string {
  return Object.entries(record)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? list(v) : String(v)}`)
    .join("   ");
}

function connectionLines(view: View, conn: SimConnection): string[] {
  const [client, server] = view.lang === "zh" ? ["客户端", "服务端"] : ["client", "server"];
  return [
    `  ${client} ${conn.id}:`,
    ...foldRepeats(
      conn.timeline.map(
        (e) =>
          `  ${e.t.toFixed(2).padStart(10)} ms  ${client} ${e.client.padEnd(10)} ${server} ${e.server.padEnd(10)} ${e.event}`,
      ),
      (n) => say(view, { en: `      … ${n} more like these`, zh: `      … 另有 ${n} 行与此相似` }),
    ),
  ];
}

/** Every connection's timeline; a run of connections whose stories differ only in their numbers shows first and last. */
function timelines(view: View, conns: readonly SimConnection[]): string[] {
  const shape = (conn: SimConnection) =>
    conn.timeline.map((e) => `${e.client} ${e.server} ${e.event.replace(/\d+/g, "#")}`).join("|");
  const out: string[] = [];
  for (let i = 0; i < conns.length;) {
    let j = i;
    while (j + 1 < conns.length && shape(conns[j + 1]!) === shape(conns[i]!)) j++;
    out.push(...connectionLines(view, conns[i]!));
    if (j - i >= 2)
      out.push(say(view, { en: `      … ${j - i - 1} more like these`, zh: `      … 另有 ${j - i - 1} 个与此相似` }));
    if (j > i) out.push(...connectionLines(view, conns[j]!));
    i = j + 1;
  }
  return out;
}

function caseLines(view: View, c: CaseRecord): string[] {
  const o = c.model.observation;
  return [
    paint(
      view,
      "bold",
      `${say(view, { en: "model", zh: "模型" })}${view.lang === "zh" ? "：" : ": "}${say(view, { en: c.label, zh: c.zh })}`,
    ),
    say(view, { en: `  predicts: ${fields(c.predicted)}`, zh: `  预测：${fields(c.predicted)}` }),
    say(view, {
      en: `  at ${o.at} ms: ${o.established} connected, ${o.synSent} in SYN-SENT, accept queue ${o.acceptQueue}, SYN queue ${o.synQueue}`,
      zh: `  ${o.at} ms 时：${o.established} 个已连接，${o.synSent} 个在 SYN-SENT，accept 队列 ${o.acceptQueue}，SYN 队列 ${o.synQueue}`,
    }),
    `  ${say(view, { en: "counters: ", zh: "计数器：" })}${Object.entries(o.counters)
      .map(([k, v]) => `${k} ${v}`)
      .join("  ")}`,
    ...queueChart(
      view,
      c.model.series,
      say(view, { en: "  queue depth over time (model):", zh: "  队列深度随时间的变化（模型）：" }),
    ),
    ...(c.model.connections ? timelines(view, c.model.connections) : []),
    "",
  ];
}

/** The record as the terminal shows it, every line fitted to the view. */
export function renderSimulation(record: SimRecord, view: View): string[] {
  return fit(
    view,
    record.cases.flatMap((c) => caseLines(view, c)),
  );
}

/** The model's queues over time as `sim --svg` writes them: a panel per case. */
export function simulationSvg(record: SimRecord): string {
  const panels = record.cases.map((c) => ({ title: c.label, samples: c.model.series }));
  return queueChartSvg(`sim ${record.experiment} (the model)`, panels);
}
