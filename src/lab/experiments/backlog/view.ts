// How `socketkit lab backlog` reads: the rule, the claims with the records they rest on, the sequence of events, the
// queues and ListenOverflows over time with the retransmissions and the drain marked, and the verdict — at most a
// view's width, in English or Chinese; and as an SVG of the same.

import { labLines } from "../../case-view.js";
import { queueChartSvg } from "../../svg.js";
import { plural, say, type View } from "../../view.js";
import type { BacklogResult } from "./result.js";

function rule(view: View, r: BacklogResult): string {
  const { backlog } = r.options;
  const somaxconn = r.settings.somaxconn ?? 0;
  const n = Math.min(backlog, somaxconn) + 1;
  return say(view, {
    en: `listen(${backlog}) with somaxconn ${somaxconn}: the kernel completes min(${backlog}, ${somaxconn}) + 1 = ${plural(n, "handshake")} with no accept()`,
    zh: `listen(${backlog})，somaxconn ${somaxconn}：不调用 accept() 时内核完成 min(${backlog}, ${somaxconn}) + 1 = ${n} 次握手`,
  });
}

function schedule(view: View, r: BacklogResult): string {
  const s = r.settings;
  return say(view, {
    en: `SYN timers: tcp_syn_retries ${s.tcpSynRetries}, tcp_syn_linear_timeouts ${s.tcpSynLinearTimeouts}; accept() from ${r.options["drain-at"]} s`,
    zh: `SYN 定时器：tcp_syn_retries ${s.tcpSynRetries}，tcp_syn_linear_timeouts ${s.tcpSynLinearTimeouts}；从 ${r.options["drain-at"]} 秒起 accept()`,
  });
}

/** The result as the terminal shows it. */
export function renderBacklog(r: BacklogResult, view: View): string[] {
  return labLines(view, r, [rule(view, r), schedule(view, r)], { sequence: true, chart: true });
}

/** The queues, the clients by state and ListenOverflows over the run, with its marks, one panel. */
export function backlogSvg(r: BacklogResult): string {
  const o = r.options;
  const c = r.cases[0]!;
  return queueChartSvg(`lab backlog: listen(${o.backlog}), ${o.clients} clients, accept() from ${o["drain-at"]} s`, [
    {
      title: "queue depth, clients by state, ListenOverflows",
      samples: c.evidence.series,
      markers: c.evidence.markers,
    },
  ]);
}
