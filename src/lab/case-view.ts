// How every lab result reads in the terminal, whatever the experiment: each case's label, its claims with the records
// they rest on, the queues over time with the case's marks, the packets on the wire; then the verdict over all
// claims. An experiment's view adds its own opening lines and picks what each case shows.

import { caseName, claimLines, claimsVerdictLines } from "./claim-lines.js";
import { queueChart } from "./queue-chart.js";
import type { ExperimentResult, LabCase } from "./result.js";
import { renderPackets, renderSequence } from "./sequence-text.js";
import { fit, paint, say, type View } from "./view.js";

/** What a case shows beyond its claims. */
export interface CaseParts {
  /** The queues over time, with the case's marks. */
  chart?: boolean;
  /** The story in three lanes (the timeline). */
  sequence?: boolean;
  /** The packet ladder, at most this many packets (none: 0). */
  packets?: number;
  /** Lines of the experiment's own, after the claims. */
  extra?: (c: LabCase) => string[];
}

/** One case: its label (when the experiment has several), claims, then the parts asked for. */
export function caseLines(view: View, c: LabCase, parts: CaseParts, labelled: boolean): string[] {
  const out = labelled ? [paint(view, "bold", say(view, { en: c.label, zh: c.zh }))] : [];
  out.push(...c.claims.flatMap((claim) => claimLines(view, claim)));
  out.push(...(parts.extra?.(c) ?? []));
  if (parts.sequence && c.evidence.timeline.length > 0) out.push("", ...renderSequence(view, c.evidence.timeline));
  if (parts.chart) {
    const title = say(view, { en: "  queue depth over time:", zh: "  队列深度随时间的变化：" });
    out.push(...queueChart(view, c.evidence.series, title, c.evidence.markers));
  }
  const packets = c.evidence.packets;
  if ((parts.packets ?? 0) > 0 && packets !== null) {
    out.push(say(view, { en: "  on the wire (the delay line's log, ms):", zh: "  线路上（延迟线的记录，毫秒）：" }));
    out.push(...renderPackets(view, packets, parts.packets));
  }
  return [...out, ""];
}

/** The whole result: the opening lines, each case, the verdict over every claim, fitted to the view. */
export function labLines(view: View, r: ExperimentResult, head: string[], parts: CaseParts): string[] {
  const labelled = r.cases.length > 1 || Object.keys(r.cases[0]?.setting ?? {}).length > 0;
  const cases = r.cases.flatMap((c) => caseLines(view, c, parts, labelled));
  const noLine = r.cases.every((c) => c.evidence.packets === null);
  const root = noLine
    ? [
        say(view, {
          en: "(Run as root to see the packets: the delay line needs two private namespaces.)",
          zh: "（以 root 运行可看到数据包：延迟线需要两个私有网络命名空间。）",
        }),
      ]
    : [];
  return fit(view, [...head, "", ...cases, ...root, ...claimsVerdictLines(view, r.cases)]);
}

/** The case's name for a picture's panel: "tcp_syncookies=1", or the label for an experiment of one case. */
export function panelTitle(c: LabCase): string {
  return caseName(c.setting) || c.label;
}
