// Fitting text into terminal columns for `watch`, which must never wrap: cells cut with an ellipsis and padded by
// display columns (a Chinese character takes two), lines clipped with their colour codes kept, items folded whole.

import { columns } from "../../lab/view.js";

const ANSI = /^\x1b\[[0-9;?]*[A-Za-z]/;

/**
 * `text` cut to at most `width` display columns, ending in "…" when something was cut; colour codes are kept and
 * a cut line ends with a reset, so no colour leaks into the next line.
 */
export function clip(text: string, width: number): string {
  if (columns(text) <= width) return text;
  let out = "";
  let used = 0;
  for (let i = 0; i < text.length;) {
    const esc = ANSI.exec(text.slice(i));
    if (esc) {
      out += esc[0];
      i += esc[0].length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (used + columns(ch) > width - 1) break;
    out += ch;
    used += columns(ch);
    i += ch.length;
  }
  return `${out}…${out.includes("\x1b[") ? "\x1b[0m" : ""}`;
}

/** `text` in exactly `width` columns: clipped, then padded on the right (left: the text starts the cell). */
export function cell(text: string, width: number, align: "left" | "right" = "left"): string {
  const fitted = clip(text, width);
  const pad = " ".repeat(Math.max(0, width - columns(fitted)));
  return align === "left" ? fitted + pad : pad + fitted;
}

/**
 * `items` packed into lines of at most `width` columns, two spaces apart, each line starting with `indent`; an
 * item is never split (one wider than a line is clipped).
 */
export function foldItems(items: readonly string[], width: number, indent = "  "): string[] {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    const next = line === "" ? indent + item : `${line}  ${item}`;
    if (line !== "" && columns(next) > width) {
      lines.push(line);
      line = indent + item;
    } else line = next;
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => clip(l, width));
}
