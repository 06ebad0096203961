// How `socketkit lab synqueue` reads: for tcp_syncookies 0, 1 and 2, the counts beside the model's, the packets by
// kind, the queues over time, and the verdict; and as an SVG, a panel per case.

import { queueChart } from "../../queue-chart.js";
import { summarizePackets } from "../../sequence-text.js";
import { queueChartSvg } from "../../svg.js";
import { paint, say, type View } from "../../view.js";
import { withVerdict } from "../../verdict.js";
import type { SynQueueCase, SynQueueResult } from "./result.js";

/** The result as the terminal shows it. */
export function renderSynQueue(r: SynQueueResult, view: View): string[] {
  const head = say(view, {
    en: `listen(${r.backlog}), tcp_max_syn_backlog ${r.maxSynBacklog}, ${r.clients} SYNs at once, final ACKs held until the counts are taken`,
    zh: `listen(${r.backlog}), tcp_max_syn_backlog ${r.maxSynBacklog}, 同时发出 ${r.clients} 个 SYN, 最后的 ACK 被扣留到计数完成`,
  });
  const caseLines = (c: SynQueueCase) => {
    const [m, p] = [c.measured, c.predicted];
    const model = paint(view, "dim", `(model: ${p.synRecv}, ${p.cookiesSent}, ${p.listenDrops})`);
    return [
      `${paint(view, "bold", `tcp_syncookies=${c.syncookies}`)}: SYN-RECV ${m.synRecv}, syncookies sent ${m.cookiesSent}, SYNs dropped ${m.listenDrops}   ${model}`,
      ...summarizePackets(c.packets),
      ...queueChart(view, c.series, say(view, { en: "  queue depth over time:", zh: "  队列深度随时间的变化:" })),
      "",
    ];
  };
  return withVerdict(view, [head, "", ...r.cases.flatMap(caseLines)], r.verdict);
}

/** The queues over each case's run, a panel per tcp_syncookies setting. */
export function synQueueSvg(r: SynQueueResult): string {
  return queueChartSvg(
    `lab synqueue: listen(${r.backlog}), ${r.clients} SYNs, final ACKs held`,
    r.cases.map((c) => ({ title: `tcp_syncookies=${c.syncookies}`, samples: c.series })),
  );
}
