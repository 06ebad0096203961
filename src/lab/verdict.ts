// The verdict of an experiment: whether every claim of a case held (claims.ts judges them), and the verdicts of
// several cases made one, each difference under its case's name — what `lab --json` reports and the exit code uses.

/** Whether every claim held — the records agreed with each other and with the model — and where not. */
export interface Verdict {
  agree: boolean;
  /** One line for each claim that did not hold: "established: tcp_info read 6 but packets read 5". */
  differences: string[];
}

/** One verdict for several cases: they agree when every case does, and each difference names its case. */
export function joinVerdicts<C extends { verdict: Verdict }>(cases: readonly C[], label: (c: C) => string): Verdict {
  const differences = cases.flatMap((c) => c.verdict.differences.map((d) => `${label(c)}: ${d}`));
  return { agree: differences.length === 0, differences };
}
