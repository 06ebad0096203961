// Plain-text sequence diagrams for the lab: one lane per actor (client, kernel, server), time going down, and
// packets drawn as arrows between the client and the kernel of the listening side; every line fits the view.

import type { LoggedPacket } from "./packet.js";
import type { TimelineStep } from "./timeline.js";
import { columns, foldRepeats, paint, say, wrap, type View } from "./view.js";

const LANE = 22;
const TIME = 11;

/** A step in its actor's lane, wrapped within the lane, with the accept queue where the run read it. */
function stepRow(view: View, s: TimelineStep): string {
  const lanes = ["client", "kernel", "server"] as const;
  const lane = lanes.indexOf(s.who);
  const lead = `${s.t.toFixed(1).padStart(TIME - 2)}  ${"|".padEnd(LANE).repeat(lane)}`;
  const room = Math.max(20, view.width - columns(lead));
  const queue =
    s.acceptQueue === undefined
      ? ""
      : say(view, { en: ` (accept queue ${s.acceptQueue})`, zh: `（accept 队列 ${s.acceptQueue}）` });
  const [first, ...more] = wrap((view.lang === "zh" && s.zh ? s.zh : s.what) + queue, room);
  const rest = more.map((m) => `${" ".repeat(TIME)}${"|".padEnd(LANE).repeat(lane)}${m}`);
  return [lead + paint(view, s.who === "kernel" ? "cyan" : "bold", first ?? ""), ...rest].join("\n");
}

/** A packet as an arrow from the client's lane to the kernel's, or back, with the queue it changed. */
function packetRow(view: View, p: LoggedPacket): string {
  const label = `${p.kind} :${p.from === "client" ? p.srcPort : p.dstPort}`;
  const line = "─".repeat(Math.max(2, LANE - 4 - label.length));
  const arrow = p.from === "client" ? `${label} ${line}▶` : `◀${line} ${label}`;
  const q = p.acceptQueue;
  const queue =
    q === undefined || q.before === q.after
      ? ""
      : say(view, { en: `accept queue ${q.before} → ${q.after}`, zh: `accept 队列 ${q.before} → ${q.after}` });
  return `${p.t.toFixed(1).padStart(TIME - 2)}  |${arrow.padEnd(LANE - 1)}|${queue ? ` ${paint(view, "cyan", queue)}` : ""}`;
}

/**
 * The story in three lanes — what the client, the kernel and the server application did, and when — with each
 * packet as an arrow between the client and the listening side's kernel, in the order things happened. A step too
 * long for its lane wraps, continuing in the same lane; runs of rows alike but for their numbers are folded.
 */
export function renderSequence(view: View, timeline: readonly TimelineStep[], packets: readonly LoggedPacket[] = []) {
  const lanes = ["client", "kernel", "server"] as const;
  const names = view.lang === "zh" ? ["客户端", "内核", "服务端"] : lanes;
  const time = view.lang === "zh" ? "毫秒" : "t (ms)";
  const header =
    `${" ".repeat(TIME - 2 - columns(time))}${time}  ${names.map((l) => l + " ".repeat(LANE - columns(l))).join("")}`.trimEnd();
  const rows = [
    ...timeline.map((step) => ({ t: step.t, text: stepRow(view, step) })),
    ...packets.map((p) => ({ t: p.t, text: packetRow(view, p) })),
  ].sort((a, b) => a.t - b.t);
  return [
    header,
    ...foldRepeats(
      rows.map((r) => r.text),
      foldNote(view, TIME - 5),
    ).flatMap((r) => r.split("\n")),
  ];
}

/** The line that stands for folded lines, in the view's language. */
function foldNote(view: View, indent: number): (n: number) => string {
  return (n) => `${" ".repeat(indent)}… ${view.lang === "zh" ? `另有 ${n} 行与此相似` : `${n} more like these`}`;
}

/**
 * Packets as arrows: "SYN ──────▶" from the client, "◀────── SYN-ACK" from the server's kernel, with the accept
 * queue's depth where the run probed it ("queue 2 → 3" where the packet changed it).
 */
export function renderPackets(view: View, packets: readonly LoggedPacket[], limit = 40): string[] {
  const [client, server] = view.lang === "zh" ? ["客户端", "服务端"] : ["client", "server"];
  const queue = view.lang === "zh" ? "队列" : "queue";
  const rows = packets.slice(0, limit).map((p) => {
    const label = `${p.kind} (:${p.from === "client" ? p.srcPort : p.dstPort})`;
    const line = "─".repeat(Math.max(2, 30 - label.length));
    const arrow = p.from === "client" ? `${label} ${line}▶` : `◀${line} ${label}`;
    const q = p.acceptQueue;
    const depth = q === undefined ? "" : `  ${queue} ${q.before === q.after ? q.after : `${q.before} → ${q.after}`}`;
    return `${p.t.toFixed(1).padStart(9)}  ${client} |${arrow.padEnd(33)}| ${server}${depth}`;
  });
  if (packets.length > limit) {
    const more = packets.length - limit;
    rows.push(`${"".padStart(9)}  … ${view.lang === "zh" ? `另有 ${more} 个数据包` : `${more} more packets`}`);
  }
  return foldRepeats(rows, foldNote(view, 11));
}

/** Packets counted by direction and kind, in the order each kind first appeared: "client → SYN ×16". */
export function summarizePackets(view: View, packets: readonly LoggedPacket[]): string[] {
  const held = (ms: number) =>
    ms === Infinity
      ? say(view, { en: " (held until released)", zh: "（扣留至放行）" })
      : ms > 0
        ? say(view, { en: ` (held ${ms} ms)`, zh: `（延迟 ${ms} ms）` })
        : "";
  const counts = new Map<string, { first: number; n: number; held: number }>();
  for (const p of packets) {
    const way =
      p.from === "client"
        ? { en: "client → server", zh: "客户端 → 服务端" }
        : { en: "server → client", zh: "服务端 → 客户端" };
    const key = `${say(view, way)}  ${p.kind}`;
    const c = counts.get(key) ?? { first: p.t, n: 0, held: 0 };
    c.n++;
    c.held = Math.max(c.held, p.delayMs);
    counts.set(key, c);
  }
  return [...counts.entries()].map(([key, c]) => `${c.first.toFixed(1).padStart(9)}  ${key} ×${c.n}${held(c.held)}`);
}
