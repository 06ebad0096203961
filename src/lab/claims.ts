// Claims: each finding a lab prints is a value read from the run's own records — the packets the delay line
// carried, the queue samples, the kernel's counters, the sockets' tcp_info and the calls' results — beside the
// model's value. A claim agrees only when every record that speaks to it reads the same and the model does too: a
// finding one record supports and another contradicts is a disagreement, never "agree".

import type { Verdict } from "./verdict.js";
import type { Text } from "./view.js";

/** What a record or the model says about a claim: a count, a state, a yes/no, a schedule of times. */
export type Value = number | string | readonly number[] | null;

/** The records a run keeps, by the names its claims cite. */
export type Evidence =
  "packets" | "queue samples" | "counters" | "tcp_info" | "sock_diag" | "connect()" | "accept()" | "recv()";

/** The records' names in Chinese, where they are not identifiers. */
export const EVIDENCE_ZH: Readonly<Record<Evidence, string>> = {
  packets: "数据包",
  "queue samples": "队列采样",
  counters: "计数器",
  tcp_info: "tcp_info",
  sock_diag: "sock_diag",
  "connect()": "connect()",
  "accept()": "accept()",
  "recv()": "recv()",
};

/** One record's reading of a claim. */
export interface Reading {
  evidence: Evidence;
  value: Value;
}

/** One finding: what it says (from the value the records agree on), their readings, the model's, the judgement. */
export interface Claim {
  key: string;
  /** The sentence, written from the first record's value. */
  text: Text;
  /** What the model predicts; null where the model does not speak to it. */
  model: Value;
  readings: Reading[];
  /** How near two numbers must be to read the same. */
  tolerance: Tolerance;
  agree: boolean;
  /** Why not, one line each: "packets read 1 but counters read 0", "the model predicts 0". */
  differences: string[];
}

/** How one claim is made: each record's reading, the sentence for a value, and how near two times must be. */
export interface ClaimSpec<V extends Value> {
  readings: Array<{ evidence: Evidence; value: V }>;
  say: (value: V) => Text;
  /**
   * Numbers within this of each other are the same reading (times from records with different resolution); for a
   * list, one tolerance per element where they differ (a timer's lateness grows along a schedule).
   */
  tolerance?: Tolerance;
}

/** How far apart two numbers may be and still read the same: one bound, or one per element of a list. */
export type Tolerance = number | readonly number[];

/** A claim for each field the model predicts, keyed as the prediction is. */
export type ClaimSpecs<P extends Record<string, Value>> = { [K in keyof P]: ClaimSpec<P[K]> };

/** The words claims read as values, in Chinese. */
const VALUE_ZH: Readonly<Record<string, string>> = {
  yes: "是",
  no: "否",
  dropped: "丢弃",
  answered: "有应答",
  nothing: "无",
  none: "无",
};

/** `value` as a claim's line shows it, in English or (words, not numbers or states) Chinese. */
export function showValue(value: Value, lang: "en" | "zh" = "en"): string {
  const word = (w: string) => (lang === "zh" ? (VALUE_ZH[w] ?? w) : w);
  if (value === null) return word("nothing");
  if (typeof value === "object")
    return value.length === 0 ? word("none") : `[${value.join(lang === "zh" ? "，" : ", ")}]`;
  return word(String(value));
}

/** Whether two readings say the same, numbers within `tolerance` (and a rounding error). */
export function sameValue(a: Value, b: Value, tolerance: Tolerance = 0): boolean {
  const bound = (i: number) => (typeof tolerance === "number" ? tolerance : (tolerance[i] ?? tolerance.at(-1) ?? 0));
  const near = (x: number, y: number, i: number) => Math.abs(x - y) <= bound(i) + 1e-9;
  if (typeof a === "number" && typeof b === "number") return near(a, b, 0);
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    return a.length === b.length && a.every((x, i) => near(x, b[i]!, i));
  }
  return a === b;
}

/**
 * Why a claim does not hold, one sentence each: a record that reads otherwise than the first, then the model
 * predicting otherwise. Empty when every record and the model agree.
 */
export function differenceTexts(readings: readonly Reading[], model: Value, tolerance: Tolerance = 0): Text[] {
  const [first, ...others] = readings;
  if (first === undefined) return [];
  const out: Text[] = [];
  const [en, zh] = [showValue(first.value), showValue(first.value, "zh")];
  for (const other of others) {
    if (sameValue(first.value, other.value, tolerance)) continue;
    const [a, b] = [first.evidence, other.evidence];
    out.push({
      en: `${a} read ${en} but ${b} read ${showValue(other.value)}`,
      zh: `${EVIDENCE_ZH[a]} 读到 ${zh}，而 ${EVIDENCE_ZH[b]} 读到 ${showValue(other.value, "zh")}`,
    });
  }
  if (model !== null && !sameValue(first.value, model, tolerance)) {
    out.push({
      en: `measured ${en}, the model predicts ${showValue(model)}`,
      zh: `测得 ${zh}，模型预测 ${showValue(model, "zh")}`,
    });
  }
  return out;
}

/** Judges one claim: every reading against the first, then the first against the model (when it has a value). */
export function claim<V extends Value>(key: string, model: V, spec: ClaimSpec<V>): Claim {
  const first = spec.readings[0];
  if (first === undefined) throw new RangeError(`claim ${key} rests on no record`);
  const readings = spec.readings.map((r) => ({ evidence: r.evidence, value: r.value }));
  const differences = differenceTexts(readings, model, spec.tolerance).map((t) => t.en);
  const text = spec.say(first.value);
  return { key, text, model, readings, tolerance: spec.tolerance ?? 0, agree: differences.length === 0, differences };
}

/** The verdict of claims: agree when every claim does, each difference under its claim's key. */
export function claimsVerdict(claims: readonly Claim[]): Verdict {
  const differences = claims.flatMap((c) => c.differences.map((d) => `${c.key}: ${d}`));
  return { agree: differences.length === 0, differences };
}

/** A case's judgement: its claims, what its first records read (`measured`, in the model's fields), the verdict. */
export interface Judgement<P extends Record<string, Value>> {
  measured: P;
  claims: Claim[];
  verdict: Verdict;
}

/** Judges a claim for each field of `predicted`, in the order `specs` lists them. */
export function judge<P extends Record<string, Value>>(predicted: P, specs: ClaimSpecs<P>): Judgement<P> {
  const keys = Object.keys(specs) as Array<keyof P & string>;
  const claims = keys.map((k) => claim(k, predicted[k], specs[k]));
  // Each key of P, given the value of its own first reading (typed P[K] by ClaimSpecs): P by construction.
  const measured = Object.fromEntries(keys.map((k) => [k, specs[k].readings[0]!.value])) as unknown as P;
  return { measured, claims, verdict: claimsVerdict(claims) };
}
