// How `socketkit lab backlog` reads: the rule, the sequence of events, the queues over time, the counts beside the
// model's, and the verdict — at most a view's width, in English or Chinese; and as an SVG of the queues.

import { queueChart } from "../../queue-chart.js";
import { renderSequence } from "../../sequence-text.js";
import { queueChartSvg } from "../../svg.js";
import { paint, plural, say, type View } from "../../view.js";
import { withVerdict } from "../../verdict.js";
import type { BacklogResult } from "./result.js";

function rule(view: View, r: BacklogResult): string {
  const n = Math.min(r.backlog, r.somaxconn) + 1;
  return say(view, {
    en: `listen(${r.backlog}) with somaxconn ${r.somaxconn}: the kernel completes min(${r.backlog}, ${r.somaxconn}) + 1 = ${plural(n, "handshake")} with no accept()`,
    zh: `listen(${r.backlog}), somaxconn ${r.somaxconn}: 不调用 accept() 时内核完成 min(${r.backlog}, ${r.somaxconn}) + 1 = ${n} 次握手`,
  });
}

function waits(view: View, r: BacklogResult): string {
  const joined = r.waitedAfterDrainMs.filter((w): w is number => w !== null);
  const never = r.waitedAfterDrainMs.length - joined.length;
  const range = joined.length === 0 ? "-" : `${Math.min(...joined)}–${Math.max(...joined)} ms`;
  return say(view, {
    en: `  ${plural(joined.length, "waiting client")} got in ${range} after the drain, at a SYN retransmission (tcp_syn_linear_timeouts=${r.sysctls.tcpSynLinearTimeouts})${never ? `; ${never} still waiting` : ""}`,
    zh: `  ${joined.length} 个等待的客户端在清空队列后 ${range} 靠 SYN 重传进入 (tcp_syn_linear_timeouts=${r.sysctls.tcpSynLinearTimeouts})${never ? `; ${never} 个仍在等待` : ""}`,
  });
}

/** The result as the terminal shows it. */
export function renderBacklog(r: BacklogResult, view: View): string[] {
  const p = r.predicted;
  const model = paint(
    view,
    "dim",
    `(model: ${p.established}, ${p.synSent}, +${p.listenOverflowsDelta}; ${p.synRetransmissions})`,
  );
  return withVerdict(
    view,
    [
      rule(view, r),
      "",
      ...renderSequence(view, r.timeline),
      "",
      ...queueChart(view, r.series),
      "",
      `  established ${r.established}   SYN-SENT ${r.synSent}   ListenOverflows +${r.listenOverflowsDelta}   ${model}`,
      say(view, {
        en: `  SYN retransmissions per client (tcp_info): ${r.synRetransmissions}`,
        zh: `  每个客户端的 SYN 重传次数 (tcp_info): ${r.synRetransmissions}`,
      }),
      waits(view, r),
    ],
    r.verdict,
  );
}

/** The queues and the clients by state over the run, one panel. */
export function backlogSvg(r: BacklogResult): string {
  return queueChartSvg(`lab backlog: listen(${r.backlog}), ${r.clients} clients`, [
    { title: "queue depth and clients by state", samples: r.series },
  ]);
}
