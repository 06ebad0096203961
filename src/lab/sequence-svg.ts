// The lab's sequence diagrams as SVG: lanes for the client, the listening side's kernel and the server application,
// one row per event in the order it happened — each packet an arrow between the client and the kernel, each call a
// dot in its actor's lane — and beside every row the accept queue's depth as the run read it then.

import type { LoggedPacket } from "./packet.js";
import { escapeXml, svgDocument, text } from "./svg.js";
import type { TimelineStep } from "./timeline.js";

const LANES = { client: 110, kernel: 420, server: 700 } as const;
const QUEUE_X = 900;
const ROW = 30;
const TOP = 64;

type Row = { t: number; step?: TimelineStep; packet?: LoggedPacket };

function laneHeads(height: number): string[] {
  const names = { client: "client", kernel: "kernel (listening side)", server: "server application" };
  return [
    ...Object.entries(LANES).flatMap(([lane, x]) => [
      text(x, 24, names[lane as keyof typeof LANES], `text-anchor="middle" font-size="13" font-weight="bold"`),
      `<line x1="${x}" y1="34" x2="${x}" y2="${height - 24}" stroke="#999" stroke-dasharray="4 3"/>`,
    ]),
    text(QUEUE_X, 24, "accept queue", `text-anchor="middle" font-size="13" font-weight="bold"`),
    `<line x1="${QUEUE_X - 60}" y1="34" x2="${QUEUE_X - 60}" y2="${height - 24}" stroke="#ddd"/>`,
  ];
}

function packetRow(p: LoggedPacket, y: number): string[] {
  const [x1, x2] = p.from === "client" ? [LANES.client, LANES.kernel] : [LANES.kernel, LANES.client];
  const colour = p.kind === "RST" ? "#d62728" : p.kind.startsWith("SYN") ? "#1f77b4" : "#2ca02c";
  const held = p.delayMs > 0 && Number.isFinite(p.delayMs) ? ` (+${p.delayMs} ms)` : "";
  const label = `${p.t.toFixed(1)} ms  ${p.kind} :${p.from === "client" ? p.srcPort : p.dstPort}${held}`;
  return [
    `<line x1="${x1}" y1="${y}" x2="${x2 + (x2 > x1 ? -4 : 4)}" y2="${y + 12}" stroke="${colour}" stroke-width="1.5" marker-end="url(#a)"/>`,
    text((x1 + x2) / 2, y - 2, label, `text-anchor="middle" font-size="10"`),
  ];
}

function stepRow(s: TimelineStep, y: number): string[] {
  const x = LANES[s.who];
  const words = `${s.t.toFixed(1)} ms  ${s.what}`;
  const anchor = s.who === "server" ? `text-anchor="end"` : "";
  const tx = s.who === "server" ? x - 8 : x + 8;
  return [
    `<circle cx="${x}" cy="${y + 6}" r="3.5" fill="#333"/>`,
    text(tx, y + 10, words.slice(0, 80), `font-size="11" ${anchor}`),
  ];
}

/** The accept queue beside a row: a packet's before → after where it changed, a step's reading. */
function queueCell(r: Row, y: number): string[] {
  const q = r.packet?.acceptQueue;
  const shown = q ? (q.after === q.before ? String(q.after) : `${q.before} → ${q.after}`) : r.step?.acceptQueue;
  if (shown === undefined) return [];
  const bold = q && q.after !== q.before ? `font-weight="bold" fill="#1f77b4"` : "";
  return [text(QUEUE_X, y + 10, String(shown), `text-anchor="middle" font-size="12" ${bold}`)];
}

/**
 * A sequence diagram: one row per event in time order — each step in its actor's lane, each packet as an arrow
 * between the client's lane and the listening side's kernel, labelled with its time and how long the line held it —
 * with the accept queue's depth beside each row where it was read. Steps are recorded once the line has carried
 * the packets they follow, so "connect() returns" comes after the ACK its kernel sent.
 */
export function sequenceSvg(title: string, timeline: readonly TimelineStep[], packets: readonly LoggedPacket[] = []) {
  const rows: Row[] = [
    ...timeline.map((step) => ({ t: step.t, step })),
    ...packets.slice(0, 60).map((packet) => ({ t: packet.t, packet })),
  ];
  rows.sort((a, b) => a.t - b.t);
  const height = TOP + 30 + rows.length * ROW;
  const body = [
    `<defs><marker id="a" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0L8,4L0,8z" fill="#333"/></marker></defs>`,
    ...laneHeads(height),
    `<text x="10" y="${height - 6}" font-size="10" fill="#666" font-family="Helvetica, Arial, sans-serif">${escapeXml(title)} — one row per event, in the order it happened; times in ms on the run's clock</text>`,
  ];
  rows.forEach((r, i) => {
    const y = TOP + i * ROW;
    body.push(...(r.packet ? packetRow(r.packet, y) : stepRow(r.step!, y)), ...queueCell(r, y));
  });
  return svgDocument(1000, height, body);
}
