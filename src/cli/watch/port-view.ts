// `socketkit watch PORT`: the detail of one port's listeners — each one's accept queue against its backlog (what
// `ss -ltn` calls Recv-Q and Send-Q), its history, SYN-RECV, connections, drops and owners, each SO_REUSEPORT socket
// apart — then the namespace's counters. Piped, one key=value line a refresh.

import { paint, say, type View } from "../../lab/view.js";
import { clip, foldItems } from "./cells.js";
import type { QueueHistory } from "./history.js";
import { namespaceLines, ownerNames, ownersText, rateText, refreshText } from "./phrases.js";
import type { ListenerRow, PortSample } from "./sample.js";

function queueBar(view: View, r: ListenerRow, width: number): string {
  const size = Math.max(10, Math.min(40, width - 36));
  const filled = Math.min(size, Math.round((size * r.acceptQueue) / Math.max(1, r.backlog + 1)));
  return `[${paint(view, r.acceptQueue > r.backlog ? "red" : "cyan", "#".repeat(filled).padEnd(size))}]`;
}

function dropsText(view: View, r: ListenerRow): string {
  if (r.drops === null) return "";
  const rate = r.dropsPerSecond
    ? say(view, { en: ` (+${rateText(r.dropsPerSecond)}/s)`, zh: `（每秒 +${rateText(r.dropsPerSecond)}）` })
    : "";
  return say(view, { en: `   drops ${r.drops}${rate}`, zh: `   丢弃 ${r.drops}${rate}` });
}

/** Each SO_REUSEPORT socket of a listener on its own line: which one's queue is full, and whose it is. */
function socketLines(view: View, r: ListenerRow): string[] {
  if (r.sockets.length < 2) return [];
  return r.sockets.map((s, i) =>
    say(view, {
      en: `  socket ${i + 1}: queue ${s.acceptQueue}/${s.backlog}  drops ${s.drops ?? "-"}  ${ownersText(view, s.owners)}`,
      zh: `  socket ${i + 1}：队列 ${s.acceptQueue}/${s.backlog}  丢弃 ${s.drops ?? "-"}  ${ownersText(view, s.owners)}`,
    }),
  );
}

function listenerLines(view: View, r: ListenerRow, history: QueueHistory, width: number): string[] {
  const [first, ...more] = ownerNames(view, r.owners);
  const owners = [say(view, { en: `owners: ${first}`, zh: `进程：${first}` }), ...more];
  return [
    paint(view, "bold", say(view, { en: `listener ${r.key}`, zh: `监听 ${r.key}` })),
    say(view, {
      en: `  accept queue ${r.acceptQueue}/${r.backlog} (+1 allowed)  ${queueBar(view, r, width)}`,
      zh: `  accept 队列 ${r.acceptQueue}/${r.backlog}（允许多 1 个）  ${queueBar(view, r, width)}`,
    }),
    say(view, {
      en: `  ss -ltn: Recv-Q ${r.acceptQueue} is the accept queue, Send-Q ${r.backlog} the backlog`,
      zh: `  ss -ltn：Recv-Q ${r.acceptQueue} 即 accept 队列，Send-Q ${r.backlog} 即 backlog`,
    }),
    say(view, { en: "  history ", zh: "  历史 " }) + history.sparkline(r.key, Math.max(10, width - 12)).trimStart(),
    say(view, {
      en: `  SYN-RECV ${r.synRecv}   established ${r.established}${dropsText(view, r)}`,
      zh: `  SYN-RECV ${r.synRecv}   已建立 ${r.established}${dropsText(view, r)}`,
    }),
    ...foldItems(owners, width),
    ...socketLines(view, r),
  ];
}

/** The frame for a terminal `width` columns wide. */
export function renderPort(
  view: View,
  s: PortSample,
  history: QueueHistory,
  frame: { width: number; interval: number },
): string[] {
  const title = say(view, {
    en: `socketkit watch · port ${s.port} · ${s.time.slice(0, 19)}Z · ${refreshText(view, frame.interval)}`,
    zh: `socketkit watch · 端口 ${s.port} · ${s.time.slice(0, 19)}Z · ${refreshText(view, frame.interval)}`,
  });
  const body = s.listening
    ? s.listeners.flatMap((r) => listenerLines(view, r, history, frame.width))
    : [say(view, { en: `  nothing listens on port ${s.port}`, zh: `  端口 ${s.port} 上没有监听` })];
  const footer = namespaceLines(view, s, frame.width, {
    en: "network namespace (every listener, not only this port):",
    zh: "整个网络命名空间（所有监听，不只此端口）：",
  });
  return [paint(view, "bold", title), ...body, ...footer].map((l) => clip(l, frame.width));
}

/** One line a refresh, for a pipe or a log file. */
export function portLine(s: PortSample): string {
  if (!s.listening) return `${s.time} port=${s.port} listening=no`;
  const rates = Object.entries(s.ratePerSecond)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => ` ns.${k}/s=${v}`)
    .join("");
  return `${s.time} port=${s.port} acceptQueue=${s.acceptQueue}/${s.acceptQueueMax} synRecv=${s.synRecv} established=${s.established} ns.ListenOverflows=${s.counters.ListenOverflows ?? 0} ns.ListenDrops=${s.counters.ListenDrops ?? 0}${rates}`;
}
