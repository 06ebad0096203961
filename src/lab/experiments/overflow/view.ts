// How `socketkit lab overflow` reads: for tcp_abort_on_overflow 0 and 1, what the clients saw, the queues over time,
// the packets (repeats folded), each count beside the model's, and the verdict; and as an SVG, a panel per case.

import { queueChart } from "../../queue-chart.js";
import { renderPackets } from "../../sequence-text.js";
import { queueChartSvg } from "../../svg.js";
import { paint, plural, say, type View } from "../../view.js";
import { withVerdict } from "../../verdict.js";
import type { OverflowCase, OverflowResult } from "./result.js";

function caseLines(view: View, c: OverflowCase): string[] {
  const m = c.measured;
  const p = c.predicted;
  const model = (text: string) => paint(view, "dim", `(model: ${text})`);
  const dropped = m.lateSynAnswered === "no";
  return [
    paint(view, "bold", `tcp_abort_on_overflow=${c.abortOnOverflow}`),
    say(view, {
      en: `  ${plural(m.connected, "connect() call")} succeeded, ${m.reset} reset at the first recv(), accept queue ${m.acceptQueue}, ListenOverflows +${m.listenOverflows}  ${model(`${p.connected}, ${p.reset}, ${p.acceptQueue}, +${p.listenOverflows}`)}`,
      zh: `  ${m.connected} 次 connect() 成功, ${m.reset} 个在第一次 recv() 时被重置, accept 队列 ${m.acceptQueue}, ListenOverflows +${m.listenOverflows}  ${model(`${p.connected}, ${p.reset}, ${p.acceptQueue}, +${p.listenOverflows}`)}`,
    }),
    say(view, {
      en: `  after the drain ${m.acceptedAfterDrain} were accepted; ${m.neverAccepted} believe they are connected but were never accepted  ${model(`${p.acceptedAfterDrain}, ${p.neverAccepted}`)}`,
      zh: `  清空队列后 ${m.acceptedAfterDrain} 个被 accept; ${m.neverAccepted} 个以为已连接却从未被 accept  ${model(`${p.acceptedAfterDrain}, ${p.neverAccepted}`)}`,
    }),
    say(
      view,
      dropped
        ? {
            en: "  a SYN arriving at the full queue was dropped silently (no SYN-ACK, no RST)",
            zh: "  到达已满队列的 SYN 被静默丢弃 (没有 SYN-ACK, 没有 RST)",
          }
        : { en: "  a SYN arriving at the full queue was answered", zh: "  到达已满队列的 SYN 得到了回应" },
    ),
    ...queueChart(view, c.series, say(view, { en: "  queue depth over time:", zh: "  队列深度随时间的变化:" })),
    ...renderPackets(c.packets, 24),
    "",
  ];
}

/** The result as the terminal shows it. */
export function renderOverflow(r: OverflowResult, view: View): string[] {
  return withVerdict(
    view,
    [
      say(view, {
        en: `listen(${r.backlog}) already holding ${r.backlog}, then a burst of ${r.burst} over a ${2 * r.oneWayDelayMs} ms round trip`,
        zh: `listen(${r.backlog}) 队列中已有 ${r.backlog} 个连接, 随后 ${r.burst} 个客户端在 ${2 * r.oneWayDelayMs} ms 往返时间下同时连接`,
      }),
      "",
      ...r.cases.flatMap((c) => caseLines(view, c)),
    ],
    r.verdict,
  );
}

/** The queues over each case's run, a panel per tcp_abort_on_overflow setting. */
export function overflowSvg(r: OverflowResult): string {
  return queueChartSvg(
    `lab overflow: listen(${r.backlog}) full, a burst of ${r.burst}`,
    r.cases.map((c) => ({ title: `tcp_abort_on_overflow=${c.abortOnOverflow}`, samples: c.series })),
  );
}
