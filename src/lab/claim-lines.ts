// How a lab's claims read in the terminal: a mark (✓ held, ✗ not), the sentence, the records it rests on and the
// model's value; under a claim that does not hold, why, in the view's language. Also the verdict that ends a run.

import { differenceTexts, EVIDENCE_ZH, showValue, type Claim } from "./claims.js";
import { paint, say, type View } from "./view.js";

/** The records a claim rests on, and the model's value: "[packets, counters; model 3]". */
function sources(view: View, c: Claim): string {
  const names = c.readings.map((r) => (view.lang === "zh" ? EVIDENCE_ZH[r.evidence] : r.evidence));
  const model = c.model === null ? "" : `; ${say(view, { en: "model", zh: "模型" })} ${showValue(c.model, view.lang)}`;
  return view.lang === "zh" ? `［${names.join("，")}${model.replace("; ", "；")}］` : `[${names.join(", ")}${model}]`;
}

/** One claim: its mark and sentence with its sources, then its differences when it does not hold. */
export function claimLines(view: View, c: Claim): string[] {
  const mark = c.agree ? paint(view, "green", "✓") : paint(view, "red", "✗");
  const why = differenceTexts(c.readings, c.model, c.tolerance).map((t) => `      ${paint(view, "red", say(view, t))}`);
  return [`  ${mark} ${say(view, c.text)}  ${paint(view, "dim", sources(view, c))}`, ...why];
}

/** The verdict over every case's claims: green when all hold, red with the count and each failing claim. */
export function claimsVerdictLines(
  view: View,
  cases: ReadonlyArray<{ setting: Record<string, number>; claims: Claim[] }>,
): string[] {
  const all = cases.flatMap((c) => c.claims.map((claim) => ({ c, claim })));
  const failing = all.filter((x) => !x.claim.agree);
  if (failing.length === 0) {
    const line = say(view, {
      en: `Verdict: all ${all.length} claims hold — every record agrees with the others and with the model.`,
      zh: `结论：全部 ${all.length} 项结论成立——各项记录彼此一致，也与模型一致。`,
    });
    return ["", paint(view, "green", line)];
  }
  const head = say(view, {
    en: `Verdict: ${failing.length} of ${all.length} claims do not hold — the records or the model disagree:`,
    zh: `结论：${all.length} 项中有 ${failing.length} 项不成立——记录之间或与模型不一致：`,
  });
  const lines = failing.flatMap(({ c, claim }) =>
    differenceTexts(claim.readings, claim.model, claim.tolerance).map(
      (t) =>
        `  ${[caseName(c.setting), claim.key].filter(Boolean).join(" ")}${view.lang === "zh" ? "：" : ": "}${say(view, t)}`,
    ),
  );
  return ["", paint(view, "red", head), ...lines];
}

/** A case by what it sets: "tcp_syncookies=1"; "" for an experiment of one case. */
export function caseName(setting: Record<string, number>): string {
  return Object.entries(setting)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}
