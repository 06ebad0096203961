// What the terminal can show: colour only on a terminal and only when NO_COLOR is unset; lines of at most 100
// columns, fewer on a narrower terminal.

import type { Lang, View } from "../lab/view.js";

export const MAX_WIDTH = 100;

export function wantsColor(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  // https://no-color.org: any non-empty value turns colour off.
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
}

export function terminalView(lang: Lang, stream: NodeJS.WriteStream = process.stdout): View {
  const columns = stream.isTTY ? stream.columns : undefined;
  return {
    lang,
    color: wantsColor(stream),
    width: Math.min(MAX_WIDTH, columns && columns >= 60 ? columns : MAX_WIDTH),
  };
}
