// `socketkit watch --fail-on 'acceptQueue>=backlog'`: a threshold a health check or CI job can use. A condition
// compares two sides, each a field of a listening socket, a number, or a number times a field; watch exits 1 when
// any listening socket meets any condition.

import type { Listener } from "../../kernel/listeners.js";
import { UsageError, type Lang } from "../messages.js";

/** The figures a condition may name: the socket's own queue, limit and drops, and its listener's connections. */
export const FAIL_ON_FIELDS = ["acceptQueue", "backlog", "synRecv", "established", "drops"] as const;
/** A field a `--fail-on` condition may name. */
export type FailOnField = (typeof FAIL_ON_FIELDS)[number];

const OPERATORS = {
  ">=": (a: number, b: number) => a >= b,
  ">": (a: number, b: number) => a > b,
  "<=": (a: number, b: number) => a <= b,
  "<": (a: number, b: number) => a < b,
  "==": (a: number, b: number) => a === b,
  "!=": (a: number, b: number) => a !== b,
} as const;
type Operator = keyof typeof OPERATORS;

/** One side of a condition: `factor × field`, or a plain number (field null). */
interface Side {
  factor: number;
  field: FailOnField | null;
}

/** A parsed condition, with the text it came from. */
export interface FailOn {
  text: string;
  left: Side;
  op: Operator;
  right: Side;
}

/** A listening socket that met a condition, with the figures it was judged on. */
export interface Crossing {
  listener: string;
  inode: number;
  condition: string;
  values: Partial<Record<FailOnField, number>>;
}

/** The accepted form, as usage errors and the help state it. */
export const FAIL_ON_FORM =
  "FIELD OP FIELD|NUMBER|NUMBER*FIELD, e.g. acceptQueue>=backlog or synRecv>100 " +
  `(fields: ${FAIL_ON_FIELDS.join(", ")}; operators: ${Object.keys(OPERATORS).join(" ")})`;
const FAIL_ON_FORM_ZH =
  "FIELD OP FIELD|NUMBER|NUMBER*FIELD，例如 acceptQueue>=backlog 或 synRecv>100" +
  `（字段：${FAIL_ON_FIELDS.join("、")}；运算符：${Object.keys(OPERATORS).join(" ")}）`;

function side(text: string, condition: string): Side {
  const m = /^(?:(\d+(?:\.\d+)?)\s*\*\s*)?([A-Za-z]+)$|^(\d+(?:\.\d+)?)$/.exec(text.trim());
  const field = m?.[2];
  if (m === null || (field !== undefined && !(FAIL_ON_FIELDS as readonly string[]).includes(field)))
    throw new UsageError(`--fail-on must be ${FAIL_ON_FORM}, got ${condition}`, {
      zh: `--fail-on 的格式应为 ${FAIL_ON_FORM_ZH}，收到的是 ${condition}`,
    });
  if (field === undefined) return { factor: Number(m[3]), field: null };
  return { factor: m[1] === undefined ? 1 : Number(m[1]), field: field as FailOnField };
}

/**
 * Parses one `--fail-on` condition.
 * @throws UsageError naming the accepted form when `text` is not one.
 */
export function parseFailOn(text: string): FailOn {
  const m = /^(.+?)(>=|<=|==|!=|>|<)(.+)$/.exec(text);
  if (m === null) {
    throw new UsageError(`--fail-on must be ${FAIL_ON_FORM}, got ${text}`, {
      zh: `--fail-on 的格式应为 ${FAIL_ON_FORM_ZH}，收到的是 ${text}`,
    });
  }
  const left = side(m[1]!, text);
  const right = side(m[3]!, text);
  if (left.field === null && right.field === null)
    throw new UsageError(`--fail-on must name a field, got ${text} (${FAIL_ON_FORM})`, {
      zh: `--fail-on 至少要指明一个字段，收到的是 ${text}（${FAIL_ON_FORM_ZH}）`,
    });
  return { text: text.replace(/\s+/g, ""), left, op: m[2] as Operator, right };
}

/** Every listening socket of `listeners` that meets one of `conditions`, each socket once per condition. */
export function crossings(listeners: readonly Listener[], conditions: readonly FailOn[]): Crossing[] {
  const out: Crossing[] = [];
  for (const l of listeners) {
    for (const s of l.sockets) {
      const figures: Record<FailOnField, number | null> = { ...s, synRecv: l.synRecv, established: l.established };
      for (const c of conditions) {
        const value = (x: Side) => (x.field === null ? x.factor : x.factor * (figures[x.field] ?? NaN));
        if (!OPERATORS[c.op](value(c.left), value(c.right))) continue;
        const named = [c.left.field, c.right.field].filter((f): f is FailOnField => f !== null);
        const values = Object.fromEntries(named.map((f) => [f, figures[f]!]));
        out.push({ listener: l.key, inode: s.inode, condition: c.text, values });
      }
    }
  }
  return out;
}

/** The sentence for a crossing: `127.0.0.1:8080 crossed acceptQueue>=backlog (acceptQueue 5, backlog 4)`. */
export function describeCrossing(c: Crossing, lang: Lang): string {
  const values = Object.entries(c.values).map(([k, v]) => `${k} ${v}`);
  return lang === "zh"
    ? `${c.listener} 触发了 ${c.condition}（${values.join("，")}）`
    : `${c.listener} crossed ${c.condition} (${values.join(", ")})`;
}
