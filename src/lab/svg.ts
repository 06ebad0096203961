// The lab's pictures as standalone SVG: queue depth over time (step lines for the accept queue, SYN-RECV and the
// clients by state, one panel per case) and sequence diagrams (lanes, steps and packets as sloped arrows).

import type { LoggedPacket } from "./delay-line.js";
import type { QueueSample } from "./queue-sampler.js";
import type { TimelineStep } from "./timeline.js";

const W = 900;
const PANEL_H = 210;
const M = { left: 48, right: 230, top: 34, bottom: 34 };
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#7f7f7f"];
const FONT = `font-family="Helvetica, Arial, sans-serif"`;

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}

function series(samples: QueueSample[]): Array<{ name: string; values: number[] }> {
  const states = [...new Set(samples.flatMap((s) => Object.keys(s.clients)))].sort();
  return [
    { name: "accept queue", values: samples.map((s) => s.acceptQueue) },
    ...(samples.some((s) => s.synRecv !== null)
      ? [{ name: "SYN-RECV", values: samples.map((s) => s.synRecv ?? 0) }]
      : []),
    ...states.map((st) => ({ name: `clients ${st}`, values: samples.map((s) => s.clients[st] ?? 0) })),
  ];
}

function stepPath(times: number[], values: number[], x: (t: number) => number, y: (v: number) => number): string {
  let d = `M${x(times[0]!).toFixed(1)},${y(values[0]!).toFixed(1)}`;
  for (let i = 1; i < times.length; i++) d += `H${x(times[i]!).toFixed(1)}V${y(values[i]!).toFixed(1)}`;
  return d;
}

function axes(
  top: number,
  h: number,
  t1: number,
  max: number,
  x: (t: number) => number,
  y: (v: number) => number,
): string[] {
  const out = [
    `<line x1="${M.left}" y1="${top + h}" x2="${W - M.right}" y2="${top + h}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${top}" x2="${M.left}" y2="${top + h}" stroke="#333"/>`,
  ];
  const step = Math.max(1, Math.ceil(max / 5));
  for (let v = 0; v <= max; v += step)
    out.push(`<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11" ${FONT}>${v}</text>`);
  const tstep = [10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000].find((s) => t1 / s <= 8) ?? 10000;
  for (let t = 0; t <= t1; t += tstep)
    out.push(`<text x="${x(t)}" y="${top + h + 14}" text-anchor="middle" font-size="11" ${FONT}>${t}</text>`);
  out.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${top + h + 28}" text-anchor="middle" font-size="11" ${FONT}>ms</text>`,
  );
  return out;
}

function panel(title: string, samples: QueueSample[], top: number): string[] {
  const h = PANEL_H - M.top - M.bottom;
  const t0 = samples[0]?.t ?? 0;
  const times = samples.map((s) => s.t - t0);
  const t1 = Math.max(1, times.at(-1) ?? 1);
  const rows = series(samples);
  const max = Math.max(1, ...rows.flatMap((r) => r.values));
  const x = (t: number) => M.left + (t / t1) * (W - M.left - M.right);
  const y = (v: number) => top + M.top + h - (v / max) * h;
  const out = [
    `<text x="${M.left}" y="${top + 20}" font-size="13" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`,
    ...axes(top + M.top, h, t1, max, x, y),
  ];
  rows.forEach((r, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    if (times.length > 0)
      out.push(`<path d="${stepPath(times, r.values, x, y)}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    const ly = top + M.top + 12 + i * 16;
    out.push(
      `<rect x="${W - M.right + 12}" y="${ly - 9}" width="12" height="3" fill="${colour}"/>`,
      `<text x="${W - M.right + 30}" y="${ly - 4}" font-size="11" ${FONT}>${escapeXml(r.name)} (max ${Math.max(0, ...r.values)})</text>`,
    );
  });
  return out;
}

/** Queue depth over time, one panel per case, as an SVG document. */
export function queueChartSvg(title: string, panels: Array<{ title: string; samples: QueueSample[] }>): string {
  const height = 30 + panels.length * PANEL_H;
  const body = panels.flatMap((p, i) => panel(p.title, p.samples, 30 + i * PANEL_H));
  const head = `<text x="${M.left}" y="20" font-size="15" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`;
  return svgDocument(W, height, [head, ...body]);
}

function svgDocument(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

const LANES = { client: 110, kernel: 360, server: 610 } as const;
const ROW = 30;

function laneHeads(height: number): string[] {
  return Object.entries(LANES).flatMap(([name, x]) => [
    `<text x="${x}" y="24" text-anchor="middle" font-size="13" font-weight="bold" ${FONT}>${name}</text>`,
    `<line x1="${x}" y1="32" x2="${x}" y2="${height - 24}" stroke="#999" stroke-dasharray="4 3"/>`,
  ]);
}

type Row = { t: number; step?: TimelineStep; packet?: LoggedPacket };

function packetRow(p: LoggedPacket, y: number): string[] {
  const [x1, x2] = p.from === "client" ? [LANES.client, LANES.kernel] : [LANES.kernel, LANES.client];
  const colour = p.kind === "RST" ? "#d62728" : p.kind.startsWith("SYN") ? "#1f77b4" : "#2ca02c";
  const label = `${p.t.toFixed(1)} ms  ${p.kind} :${p.from === "client" ? p.srcPort : p.dstPort}${p.delayMs > 0 && Number.isFinite(p.delayMs) ? ` (+${p.delayMs} ms)` : ""}`;
  return [
    `<line x1="${x1}" y1="${y}" x2="${x2 + (x2 > x1 ? -4 : 4)}" y2="${y + 12}" stroke="${colour}" stroke-width="1.5" marker-end="url(#a)"/>`,
    `<text x="${(x1 + x2) / 2}" y="${y - 2}" text-anchor="middle" font-size="10" ${FONT}>${escapeXml(label)}</text>`,
  ];
}

function stepRow(s: TimelineStep, y: number): string[] {
  const x = LANES[s.who];
  return [
    `<circle cx="${x}" cy="${y + 6}" r="3.5" fill="#333"/>`,
    `<text x="${x + 8}" y="${y + 10}" font-size="11" ${FONT}>${escapeXml(`${s.t.toFixed(1)} ms  ${s.what}`.slice(0, 95))}</text>`,
  ];
}

/**
 * A sequence diagram: one row per event in time order — each step in its actor's lane, each packet as an arrow
 * between the client's lane and the listening side's kernel, labelled with its time and how long the line held it.
 */
export function sequenceSvg(title: string, timeline: TimelineStep[], packets: LoggedPacket[] = []): string {
  const rows: Row[] = [
    ...timeline.map((step) => ({ t: step.t, step })),
    ...packets.slice(0, 60).map((packet) => ({ t: packet.t, packet })),
  ];
  rows.sort((a, b) => a.t - b.t);
  const height = 70 + rows.length * ROW;
  const body = [
    `<text x="10" y="${height - 6}" font-size="10" fill="#666" ${FONT}>${escapeXml(title)} — one row per event, in time order</text>`,
    ...laneHeads(height),
  ];
  body.push(
    `<defs><marker id="a" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0L8,4L0,8z" fill="#333"/></marker></defs>`,
  );
  rows.forEach((r, i) => body.push(...(r.packet ? packetRow(r.packet, 50 + i * ROW) : stepRow(r.step!, 50 + i * ROW))));
  return svgDocument(1180, height, body);
}
