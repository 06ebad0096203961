// Plain-text sequence diagrams for the lab: one lane per actor (client, kernel, server), time going down, and
// packets drawn as arrows between the client and the kernel of the listening side; every line fits the view.

import type { LoggedPacket } from "./delay-line.js";
import type { TimelineStep } from "./timeline.js";
import { columns, foldRepeats, paint, wrap, type View } from "./view.js";

const LANE = 22;
const TIME = 11;

/**
 * Timeline steps in three lanes — what the client, the kernel and the server application did, and when. A step
 * too long for its lane wraps, continuing in the same lane; runs of steps alike but for their numbers are folded.
 */
export function renderSequence(view: View, timeline: TimelineStep[]): string[] {
  const lanes = ["client", "kernel", "server"] as const;
  const names = view.lang === "zh" ? ["客户端", "内核", "服务端"] : lanes;
  const header =
    `${"t (ms)".padStart(TIME - 2)}  ${names.map((l) => l + " ".repeat(LANE - columns(l))).join("")}`.trimEnd();
  const rows = timeline.map((s) => {
    const lane = lanes.indexOf(s.who);
    const lead = `${s.t.toFixed(1).padStart(TIME - 2)}  ${"|".padEnd(LANE).repeat(lane)}`;
    const room = Math.max(20, view.width - columns(lead));
    const [first, ...more] = wrap(view.lang === "zh" && s.zh ? s.zh : s.what, room);
    const rest = more.map((m) => `${" ".repeat(TIME)}${"|".padEnd(LANE).repeat(lane)}${m}`);
    return [lead + paint(view, s.who === "kernel" ? "cyan" : "bold", first ?? ""), ...rest].join("\n");
  });
  return [header, ...foldRepeats(rows, foldNote(view, TIME - 5)).flatMap((r) => r.split("\n"))];
}

/** The line that stands for folded lines, in the view's language. */
function foldNote(view: View, indent: number): (n: number) => string {
  return (n) => `${" ".repeat(indent)}… ${view.lang === "zh" ? `另有 ${n} 行与此相似` : `${n} more like these`}`;
}

/** Packets as arrows: "SYN ──────▶" from the client, "◀────── SYN-ACK" from the server's kernel. */
export function renderPackets(packets: LoggedPacket[], limit = 40): string[] {
  const rows = packets.slice(0, limit).map((p) => {
    const label = `${p.kind} (:${p.from === "client" ? p.srcPort : p.dstPort})`;
    const line = "─".repeat(Math.max(2, 30 - label.length));
    const arrow = p.from === "client" ? `${label} ${line}▶` : `◀${line} ${label}`;
    return `${p.t.toFixed(1).padStart(9)}  client |${arrow.padEnd(33)}| server`;
  });
  if (packets.length > limit) rows.push(`${"".padStart(9)}  … ${packets.length - limit} more packets`);
  return foldRepeats(rows, (n) => `${"".padStart(9)}  … ${n} more like these`);
}

/** Packets counted by direction and kind, in the order each kind first appeared: "client → SYN ×16". */
export function summarizePackets(packets: LoggedPacket[]): string[] {
  const counts = new Map<string, { first: number; n: number; held: number }>();
  for (const p of packets) {
    const key = `${p.from === "client" ? "client → server" : "server → client"}  ${p.kind}`;
    const c = counts.get(key) ?? { first: p.t, n: 0, held: 0 };
    c.n++;
    c.held = Math.max(c.held, p.delayMs);
    counts.set(key, c);
  }
  return [...counts.entries()].map(
    ([key, c]) =>
      `${c.first.toFixed(1).padStart(9)}  ${key} ×${c.n}${c.held === Infinity ? " (held until released)" : c.held > 0 ? ` (held ${c.held} ms)` : ""}`,
  );
}
