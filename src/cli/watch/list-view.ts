// `socketkit watch` with no port: every TCP listener of the namespace, one line each, most pressed first, in as
// many columns as the terminal has (never wrapped: long fields are cut), then the namespace's counters folded.
// Piped, one key=value line per listener and refresh.

import { paint, say, type View } from "../../lab/view.js";
import { cell, clip } from "./cells.js";
import { namespaceLines, ownersText, rateText, refreshText } from "./phrases.js";
import type { QueueHistory } from "./history.js";
import type { ListenerRow, ListSample } from "./sample.js";

/** The table's columns: a header per language, a minimum width, the most it usefully takes, and its alignment. */
const COLUMNS = [
  { en: "LISTENER", zh: "监听地址", min: 8, max: 47, align: "left" },
  { en: "QUEUE", zh: "队列", min: 9, max: 11, align: "right" },
  { en: "HISTORY", zh: "历史", min: 8, max: 40, align: "left" },
  { en: "SYN-RECV", zh: "SYN-RECV", min: 8, max: 8, align: "right" },
  { en: "ESTAB", zh: "已建立", min: 7, max: 7, align: "right" },
  { en: "DROPS/S", zh: "丢弃/秒", min: 7, max: 7, align: "right" },
  { en: "OWNER", zh: "进程", min: 10, max: 1000, align: "left" },
] as const;

/**
 * Column widths for `width` terminal columns: every minimum first, then the listener grows to its longest
 * address, the history to 20 refreshes, and the owner takes the rest.
 */
export function layout(width: number, rows: readonly ListenerRow[]): number[] {
  const widths: number[] = COLUMNS.map((c) => c.min);
  let spare = width - (widths.reduce((a, b) => a + b, 0) + COLUMNS.length - 1);
  const need = [Math.max(0, ...rows.map((r) => r.key.length)), 0, 20, 0, 0, 0, Infinity];
  for (const i of [0, 2, 6, 1]) {
    const grow = Math.max(0, Math.min(spare, need[i]! - widths[i]!, COLUMNS[i]!.max - widths[i]!));
    widths[i]! += grow;
    spare -= grow;
  }
  return widths;
}

function rowCells(view: View, r: ListenerRow, history: QueueHistory, widths: number[]): string[] {
  return [
    r.key,
    `${r.acceptQueue}/${r.backlog}`,
    history.sparkline(r.key, widths[2]!),
    String(r.synRecv),
    String(r.established),
    rateText(r.dropsPerSecond),
    ownersText(view, r.owners),
  ];
}

function tableLine(cells: readonly string[], widths: number[]): string {
  return cells
    .map((c, i) => cell(c, widths[i]!, COLUMNS[i]!.align))
    .join(" ")
    .trimEnd();
}

/** The frame for a terminal of `width` × `height` (height null: no limit, for a one-off print). */
export function renderList(
  view: View,
  s: ListSample,
  history: QueueHistory,
  frame: { width: number; height: number | null; interval: number },
): string[] {
  const n = s.listeners.length;
  const title = say(view, {
    en: `socketkit watch · ${n} TCP listener${n === 1 ? "" : "s"} · ${s.time.slice(0, 19)}Z · ${refreshText(view, frame.interval)}`,
    zh: `socketkit watch · ${n} 个 TCP 监听 · ${s.time.slice(0, 19)}Z · ${refreshText(view, frame.interval)}`,
  });
  const legend = say(view, {
    en: "QUEUE = accept queue/backlog (ss -ltn Recv-Q/Send-Q); the kernel holds backlog+1",
    zh: "队列 = accept 队列/backlog，即 ss -ltn 的 Recv-Q/Send-Q；内核最多容纳 backlog+1",
  });
  const footer = namespaceLines(view, s, frame.width, {
    en: "network namespace, every listener (TcpExt; +N/s since the last refresh):",
    zh: "整个网络命名空间，所有监听（TcpExt；括号内为每秒增量）：",
  });
  const widths = layout(frame.width, s.listeners);
  const head = [
    paint(view, "bold", title),
    legend,
    paint(
      view,
      "dim",
      tableLine(
        COLUMNS.map((c) => say(view, c)),
        widths,
      ),
    ),
  ];
  const room = frame.height === null ? n : Math.max(1, frame.height - head.length - footer.length - 1);
  const shown = n > room ? s.listeners.slice(0, room - 1) : s.listeners;
  const body = shown.map((r) => {
    const line = tableLine(rowCells(view, r, history, widths), widths);
    return r.acceptQueue > r.backlog ? paint(view, "red", line) : line;
  });
  if (n === 0)
    body.push(say(view, { en: "  no TCP listener in this network namespace", zh: "  此网络命名空间中没有 TCP 监听" }));
  if (shown.length < n)
    body.push(
      say(view, {
        en: `… ${n - shown.length} more, less pressed (--json lists every listener)`,
        zh: `… 另有 ${n - shown.length} 个压力较小的监听（--json 列出全部）`,
      }),
    );
  return [...head, ...body, ...footer].map((l) => clip(l, frame.width));
}

/** One line per listener and one for the namespace's counters, for a pipe or a log file. */
export function listLines(s: ListSample): string[] {
  const rows = s.listeners.map(
    (r) =>
      `${s.time} listener=${r.key} acceptQueue=${r.acceptQueue}/${r.backlog} synRecv=${r.synRecv} established=${r.established} drops=${r.drops ?? "-"} drops/s=${rateText(r.dropsPerSecond)} owners=${r.owners.map((o) => `${o.command}[${o.pid}]`).join(",") || "-"}`,
  );
  const ns = Object.entries(s.counters).map(([k, v]) => ` ns.${k}=${v}`);
  const rates = Object.entries(s.ratePerSecond)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => ` ns.${k}/s=${v}`);
  return [...rows, `${s.time}${ns.join("")}${rates.join("")}`];
}
