// How `socketkit lab early-close` reads: the claims with the records they rest on, the sequence of calls and
// packets, and the verdict — at most a view's width, in English or Chinese; and as an SVG sequence diagram.

import { labLines } from "../../case-view.js";
import { sequenceSvg } from "../../sequence-svg.js";
import { renderSequence } from "../../sequence-text.js";
import type { View } from "../../view.js";
import type { EarlyCloseResult } from "./result.js";

/** The result as the terminal shows it. */
export function renderEarlyClose(r: EarlyCloseResult, view: View): string[] {
  const c = r.cases[0]!;
  const story = () => ["", ...renderSequence(view, c.evidence.timeline, c.evidence.packets ?? [])];
  return labLines(view, r, [], { extra: story });
}

/** The sequence of calls and, as root, packets as an SVG diagram. */
export function earlyCloseSvg(r: EarlyCloseResult): string {
  const c = r.cases[0]!;
  return sequenceSvg("lab early-close", c.evidence.timeline, c.evidence.packets ?? []);
}
