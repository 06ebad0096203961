// How `socketkit lab early-close` reads: the sequence of events, the states and the queue after the hold, and the
// verdict — at most a view's width, in English or Chinese; and as an SVG sequence diagram.

import { renderSequence } from "../../sequence-text.js";
import { sequenceSvg } from "../../svg.js";
import { say, type View } from "../../view.js";
import { withVerdict } from "../../verdict.js";
import type { EarlyCloseResult } from "./result.js";

/** The result as the terminal shows it. */
export function renderEarlyClose(r: EarlyCloseResult, view: View): string[] {
  const m = r.measured;
  return withVerdict(
    view,
    [
      ...renderSequence(view, r.timeline),
      "",
      say(view, {
        en: `  server side ${m.serverState}, client side ${m.clientState}; still queued after ${r.holdMs} ms: ${m.queuedAfterHold}`,
        zh: `  服务端 ${m.serverState}, 客户端 ${m.clientState}; ${r.holdMs} ms 后仍在队列中: ${m.queuedAfterHold}`,
      }),
    ],
    r.verdict,
  );
}

/** The sequence of events as an SVG diagram. */
export function earlyCloseSvg(r: EarlyCloseResult): string {
  return sequenceSvg("lab early-close", r.timeline);
}
