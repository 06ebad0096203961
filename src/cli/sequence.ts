// Plain-text sequence diagrams for the lab: one lane per actor (client, kernel, server), time going down, and
// packets drawn as arrows between the client and the kernel of the listening side.

import type { LoggedPacket } from "../lab/delay-line.js";
import type { TimelineStep } from "../lab/result.js";

const WIDTH = 22;

/**
 * Timeline steps in three lanes — what the client, the kernel and the server application did, and when. Each
 * step is written in its actor's lane and runs on to the end of the line, so nothing is cut.
 */
export function renderSequence(timeline: TimelineStep[]): string {
  const lanes = ["client", "kernel", "server"] as const;
  const header = `${"t (ms)".padStart(9)}  ${lanes.map((l) => l.padEnd(WIDTH)).join("")}`;
  const rows = timeline.map((s) => {
    const at = lanes.indexOf(s.who === "server" ? "server" : s.who);
    return `${s.t.toFixed(1).padStart(9)}  ${"|".padEnd(WIDTH).repeat(at)}${s.what}`;
  });
  return [header, ...rows].join("\n");
}

/** Packets as arrows: "SYN ──────▶" from the client, "◀────── SYN-ACK" from the server's kernel. */
export function renderPackets(packets: LoggedPacket[], limit = 40): string {
  const rows = packets.slice(0, limit).map((p) => {
    const label = `${p.kind} (:${p.from === "client" ? p.srcPort : p.dstPort})`;
    const arrow = p.from === "client" ? `${label} ${"─".repeat(Math.max(2, 30 - label.length))}▶` : `◀${"─".repeat(Math.max(2, 30 - label.length))} ${label}`;
    return `${p.t.toFixed(1).padStart(9)}  client |${arrow.padEnd(33)}| server`;
  });
  if (packets.length > limit) rows.push(`${"".padStart(9)}  … ${packets.length - limit} more packets`);
  return rows.join("\n");
}

/** Packets counted by direction and kind, in the order each kind first appeared: "client → SYN ×16". */
export function summarizePackets(packets: LoggedPacket[]): string {
  const counts = new Map<string, { first: number; n: number; held: number }>();
  for (const p of packets) {
    const key = `${p.from === "client" ? "client → server" : "server → client"}  ${p.kind}`;
    const c = counts.get(key) ?? { first: p.t, n: 0, held: 0 };
    c.n++;
    c.held = Math.max(c.held, p.delayMs);
    counts.set(key, c);
  }
  return [...counts.entries()]
    .map(([key, c]) => `${c.first.toFixed(1).padStart(9)}  ${key} ×${c.n}${c.held > 0 ? ` (held ${c.held} ms)` : ""}`)
    .join("\n");
}
