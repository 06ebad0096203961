// How lab and sim output reads: the language, whether to colour, the width to fit, and the small text tools
// every experiment's rendering shares (wrapping, folding repeated lines, plurals). Pure: the CLI decides the view.

import { breakLines } from "./line-break.js";

/** The languages the lab and the model speak. */
export type Lang = "en" | "zh";

/** A sentence in each language the tools speak. */
export type Text = { en: string; zh: string };

/** How output is to read: decided by the CLI (terminalView), used by every render. */
export interface View {
  lang: Lang;
  /** ANSI colour (a terminal, and NO_COLOR unset). */
  color: boolean;
  /** Columns every line must fit in. */
  width: number;
}

const SGR = { green: 32, red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
/** The colours a view may paint in. */
export type Tone = keyof typeof SGR;

/** `text` in a colour when the view has colour; unchanged otherwise. */
export function paint(view: View, tone: Tone, text: string): string {
  return view.color ? `\x1b[${SGR[tone]}m${text}\x1b[0m` : text;
}

/** The sentence in the view's language. */
export function say(view: View, text: Text): string {
  return text[view.lang];
}

/** "1 handshake", "2 handshakes" (Chinese has no plural). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Display columns of a string: CJK and fullwidth characters take two, ANSI sequences none. */
export function columns(text: string): number {
  let n = 0;
  for (const ch of text.replace(/\x1b\[[0-9;]*m/g, "")) {
    const c = ch.codePointAt(0)!;
    n +=
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6)
        ? 2
        : 1;
  }
  return n;
}

/**
 * Breaks `text` into lines of at most `width` columns — at spaces, between Chinese characters, never stranding a
 * number from its word (line-break.ts) — continuing lines with `indent`.
 */
export function wrap(text: string, width: number, indent = ""): string[] {
  return breakLines(text, width, indent);
}

/** Every line wrapped to the view's width. */
export function fit(view: View, lines: string[], indent = "    "): string[] {
  return lines.flatMap((l) => (columns(l) <= view.width ? [l] : wrap(l, view.width, indent)));
}

/**
 * Consecutive lines that are equal once their numbers are masked are folded into the first and the last, with a
 * count between: forty-four "client 7 connected" lines read as two and "… 42 more like these".
 */
export function foldRepeats(lines: string[], note = (n: number) => `      … ${n} more like these`): string[] {
  const shape = (l: string) => l.replace(/\d+(\.\d+)?/g, "#");
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    let j = i;
    while (j + 1 < lines.length && shape(lines[j + 1]!) === shape(lines[i]!)) j++;
    const run = j - i + 1;
    if (run <= 3) out.push(...lines.slice(i, j + 1));
    else out.push(lines[i]!, note(run - 2), lines[j]!);
    i = j + 1;
  }
  return out;
}
