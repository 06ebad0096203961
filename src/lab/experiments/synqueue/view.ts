// How `socketkit lab synqueue` reads: for tcp_syncookies 0, 1 and 2, the claims with the records they rest on, the
// packets by kind, the queues over time with the counts and the release marked, and the verdict; and as an SVG, a
// panel per case over that case's own events.

import { labLines, panelTitle } from "../../case-view.js";
import { summarizePackets } from "../../sequence-text.js";
import { queueChartSvg } from "../../svg.js";
import { say, type View } from "../../view.js";
import type { SynQueueResult } from "./result.js";

/** The result as the terminal shows it. */
export function renderSynQueue(r: SynQueueResult, view: View): string[] {
  const o = r.options;
  const head = say(view, {
    en: `listen(${o.backlog}), tcp_max_syn_backlog ${o["max-syn-backlog"]}, ${o.clients} SYNs at once, final ACKs held until the counts are taken`,
    zh: `listen(${o.backlog})，tcp_max_syn_backlog ${o["max-syn-backlog"]}，同时发出 ${o.clients} 个 SYN，最后的 ACK 被扣留到计数完成`,
  });
  return labLines(view, r, [head], { chart: true, extra: (c) => summarizePackets(view, c.evidence.packets ?? []) });
}

/** The queues over each case's run, a panel per tcp_syncookies setting. */
export function synQueueSvg(r: SynQueueResult): string {
  const o = r.options;
  return queueChartSvg(
    `lab synqueue: listen(${o.backlog}), ${o.clients} SYNs, final ACKs held until the counts`,
    r.cases.map((c) => ({ title: panelTitle(c), samples: c.evidence.series, markers: c.evidence.markers })),
  );
}
