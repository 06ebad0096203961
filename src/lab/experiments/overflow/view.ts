// How `socketkit lab overflow` reads: for each tcp_abort_on_overflow setting, the claims with the records they rest
// on, the queues over time with the case's marks, the packets with the accept queue probed at each delivery, and the
// verdict; and as an SVG, a panel per case.

import { labLines, panelTitle } from "../../case-view.js";
import { queueChartSvg } from "../../svg.js";
import { say, type View } from "../../view.js";
import type { OverflowResult } from "./result.js";

/** The result as the terminal shows it. */
export function renderOverflow(r: OverflowResult, view: View): string[] {
  const o = r.options;
  const head = say(view, {
    en: `listen(${o.backlog}) already holding ${o.backlog}, then a burst of ${o.burst} over a ${2 * o.delay} ms round trip, then one more SYN while the queue is full`,
    zh: `listen(${o.backlog}) 队列中已有 ${o.backlog} 个连接，随后 ${o.burst} 个客户端在 ${2 * o.delay} ms 往返时间下同时连接，队列满时再来一个 SYN`,
  });
  return labLines(view, r, [head], { chart: true, packets: 32 });
}

/** The queues over each case's run, a panel per tcp_abort_on_overflow setting, with the case's marks. */
export function overflowSvg(r: OverflowResult): string {
  const o = r.options;
  return queueChartSvg(
    `lab overflow: listen(${o.backlog}) full, a burst of ${o.burst} over a ${2 * o.delay} ms round trip, one more SYN`,
    r.cases.map((c) => ({ title: panelTitle(c), samples: c.evidence.series, markers: c.evidence.markers })),
  );
}
