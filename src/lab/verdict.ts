// The verdict of an experiment: what the run measured held against what the model predicted for the same settings,
// the verdicts of several cases made one, and the lines that end every experiment's story in the terminal.

import { fit, paint, say, type View } from "./view.js";

/** Whether the kernel did what the model predicts, and where not. */
export interface Verdict {
  agree: boolean;
  /** One line for each quantity that differs: "established: measured 6, model 5". */
  differences: string[];
}

/** Named quantities a run measured or the model predicted: counts, and states or yes/no as strings. */
type Quantities = Record<string, number | string>;

/** Compares each predicted quantity with the measured one; equal numbers (or equal strings) agree. */
export function compare(measured: Quantities, predicted: Quantities): Verdict {
  const differences: string[] = [];
  for (const [key, value] of Object.entries(predicted)) {
    if (measured[key] !== value) differences.push(`${key}: measured ${measured[key]}, model ${value}`);
  }
  return { agree: differences.length === 0, differences };
}

/** One verdict for several cases: they agree when every case does, and each difference names its case. */
export function joinVerdicts<C extends { verdict: Verdict }>(cases: readonly C[], label: (c: C) => string): Verdict {
  const differences = cases.flatMap((c) => c.verdict.differences.map((d) => `${label(c)}: ${d}`));
  return { agree: differences.length === 0, differences };
}

/** A result's story for the terminal: `lines`, then the verdict, every line fitted to the view's width. */
export function withVerdict(view: View, lines: string[], verdict: Verdict): string[] {
  return fit(view, [...lines, ...verdictLines(view, verdict)]);
}

/** The verdict line(s), in colour: green when the kernel and the model agree, red with the differences. */
function verdictLines(view: View, verdict: Verdict): string[] {
  if (verdict.agree) {
    const line = say(view, {
      en: "Verdict: the kernel did what the model predicts.",
      zh: "结论: 内核的行为与模型的预测一致。",
    });
    return ["", paint(view, "green", line)];
  }
  const head = say(view, { en: "Verdict: the kernel and the model disagree:", zh: "结论: 内核与模型不一致:" });
  return ["", paint(view, "red", head), ...verdict.differences.map((d) => `  ${d}`)];
}
