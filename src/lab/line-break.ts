// Where a line of the lab's output may break, in English and in Chinese: at spaces, and between Chinese characters
// (which have none); never before closing punctuation or after opening punctuation, never between a word and the
// number it names ("ListenOverflows +4") or a number and the word it counts ("3 个"), and never leaving a stub of a
// few columns alone on the last line.

import { columns } from "./view.js";

const CJK = "\\u2e80-\\ua4cf\\uac00-\\ud7a3\\uf900-\\ufaff\\ufe30-\\ufe4f\\uff00-\\uff60\\uffe0-\\uffe6";
const TOKENS = new RegExp(`[${CJK}]|\\s+|[^\\s${CJK}]+`, "gu");
const IS_CJK = new RegExp(`^[${CJK}]$`, "u");
/** Closing punctuation starts no line; opening punctuation ends none. */
const NO_BREAK_BEFORE = /^[，。；：、！？）」』】》…,.;:!?)\]]/u;
const NO_BREAK_AFTER = /[（「『【《([]$/u;
/** A last line this short (in columns) is a stub. */
const STUB = 4;
/** A number, with its sign, unit or trailing bracket: it stays with the word before it. */
const NUMBER = /^[+−-]?\d[\d.,%×]*(?:ms|s)?[)）]?$/u;

/** One unbreakable piece of a line, and whether the line may break just before it. */
interface Unit {
  text: string;
  breakable: boolean;
}

/** `text` as units: words, single Chinese characters, and the spaces between them kept with the unit after. */
function unitsOf(text: string): Unit[] {
  const units: Unit[] = [];
  let space = "";
  let prev = "";
  for (const token of text.match(TOKENS) ?? []) {
    if (/^\s+$/u.test(token)) {
      space += token;
      continue;
    }
    const cjkJoin = IS_CJK.test(token) || IS_CJK.test(prev.slice(-1));
    const glued = space !== "" && NUMBER.test(token) && /[\p{L}\p{N}_)]$/u.test(prev) && !IS_CJK.test(prev.slice(-1));
    // A number and the Chinese word it counts stay together too: "3 个", "19 秒".
    const counted = /^\p{Script=Han}$/u.test(token) && /\d$/u.test(prev);
    const allowed =
      (space !== "" || cjkJoin) && !glued && !counted && !NO_BREAK_BEFORE.test(token) && !NO_BREAK_AFTER.test(prev);
    units.push({ text: space + token, breakable: units.length > 0 && allowed });
    space = "";
    prev = token;
  }
  // The last few columns stay with what comes before them: no line of "+4）" alone.
  for (let i = units.length - 1, tail = 0; i > 0; i--) {
    tail += columns(units[i]!.text.trim());
    if (tail > STUB) break;
    units[i]!.breakable = false;
  }
  return units;
}

/** Greedy filling: each line takes units until the next would not fit, breaking at the last place it may. */
function fill(units: Unit[], width: number, indent: string): string[] {
  const lines: string[] = [];
  let line: Unit[] = [];
  const text = (us: Unit[]) => us.map((u) => u.text).join("");
  for (const unit of units) {
    line.push(unit);
    if (columns((lines.length ? indent : "") + text(line).trimEnd()) <= width) continue;
    // Where it may break; failing that, at a space that only kept a number with its word; failing that, nowhere
    // (the caller cuts what is still too long).
    let at = line.findLastIndex((u, i) => i > 0 && u.breakable);
    if (at < 0) at = line.findLastIndex((u, i) => i > 0 && /^\s/u.test(u.text));
    if (at < 0) continue;
    lines.push((lines.length ? indent : "") + text(line.slice(0, at)).trimEnd());
    line = line.slice(at).map((u, i) => (i === 0 ? { ...u, text: u.text.trimStart() } : u));
  }
  if (line.length) lines.push((lines.length ? indent : "") + text(line).trimEnd());
  return lines;
}

/** Cuts a line still wider than `width` (a word with no place to break) anywhere, continuing with `indent`. */
function cut(line: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let rest = line;
  while (columns(rest) > width) {
    let n = 0;
    while (n < rest.length && columns(rest.slice(0, n + 1)) <= width) n++;
    out.push(rest.slice(0, Math.max(1, n)));
    rest = indent + rest.slice(Math.max(1, n));
  }
  return [...out, rest];
}

/**
 * Breaks `text` into lines of at most `width` columns, continuing lines with `indent`; a last line of a stub (at
 * most 4 columns of text) is avoided by filling a little narrower.
 */
export function breakLines(text: string, width: number, indent = ""): string[] {
  const units = unitsOf(text);
  let lines = fill(units, width, indent);
  const stub = (ls: string[]) => ls.length > 1 && columns(ls.at(-1)!.trim()) <= STUB;
  for (let narrower = 2; stub(lines) && narrower <= 12; narrower += 2) {
    const tried = fill(units, width - narrower, indent);
    if (!stub(tried) && tried.length === lines.length) lines = tried;
  }
  return lines.flatMap((l) => (columns(l) > width ? cut(l, width, indent) : [l])).filter((l) => l.trim() !== "");
}
