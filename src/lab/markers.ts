// The moments a lab picture marks on its time axis: where the drain starts, each retransmitted SYN or SYN-ACK, each
// RST, when connect() and accept() return, when the counts are taken. The run records the calls; the packets' marks
// come from the capture, so a picture marks what happened on the wire, not what the run expected.

import type { Capture } from "./capture.js";
import { clientPort } from "./packet.js";

/** What a mark stands for. */
export type MarkerKind =
  | "drain"
  | "counts"
  | "release"
  | "late SYN"
  | "SYN retransmitted"
  | "SYN-ACK retransmitted"
  | "RST"
  | "connect() returns"
  | "connect() fails"
  | "accept() returns";

/** One moment to mark, on the case's clock (ms), with the client port it concerns where there is one. */
export interface Marker {
  t: number;
  kind: MarkerKind;
  port?: number;
}

/** The marks the packets give: every retransmitted SYN and SYN-ACK (a connection's second and later) and every RST. */
export function packetMarkers(capture: Capture): Marker[] {
  const seen = new Map<string, number>();
  const out: Marker[] = [];
  for (const p of capture.packets) {
    const port = clientPort(p);
    if (p.kind === "RST") out.push({ t: p.t, kind: "RST", port });
    if (p.kind !== "SYN" && p.kind !== "SYN-ACK") continue;
    const key = `${p.kind} ${port}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n > 1) out.push({ t: p.t, kind: p.kind === "SYN" ? "SYN retransmitted" : "SYN-ACK retransmitted", port });
  }
  return out;
}

/** The run's own marks and the packets', in time order. */
export function allMarkers(own: readonly Marker[], capture: Capture | null): Marker[] {
  return [...own, ...(capture ? packetMarkers(capture) : [])].sort((a, b) => a.t - b.t);
}

/** How each mark is named in the pictures' legends, in both languages. */
export const MARKER_NAMES: Readonly<Record<MarkerKind, { en: string; zh: string }>> = {
  drain: { en: "drain starts", zh: "开始清空队列" },
  counts: { en: "counts taken", zh: "计数" },
  release: { en: "held ACKs let through", zh: "放行扣留的 ACK" },
  "late SYN": { en: "one more SYN let through", zh: "放行又一个 SYN" },
  "SYN retransmitted": { en: "SYN retransmitted", zh: "SYN 重传" },
  "SYN-ACK retransmitted": { en: "SYN-ACK retransmitted", zh: "SYN-ACK 重传" },
  RST: { en: "RST", zh: "RST" },
  "connect() returns": { en: "connect() returns", zh: "connect() 返回" },
  "connect() fails": { en: "connect() fails", zh: "connect() 失败" },
  "accept() returns": { en: "accept() returns", zh: "accept() 返回" },
};

/** Marks drawn as a line across the plot: the run's turning points; the others are ticks in their own row. */
export const TURNING_POINTS: ReadonlySet<MarkerKind> = new Set(["drain", "counts", "release", "late SYN"]);

/** Marks of one kind grouped where they fall within `within` ms of each other: one tick "×N" each group. */
export function clusterMarkers(markers: readonly Marker[], within: number): Array<{ t: number; n: number }> {
  const groups: Array<{ t: number; n: number; last: number }> = [];
  for (const m of [...markers].sort((a, b) => a.t - b.t)) {
    const g = groups.at(-1);
    if (g && m.t - g.last <= within) {
      g.n++;
      g.last = m.t;
    } else groups.push({ t: m.t, n: 1, last: m.t });
  }
  return groups.map(({ t, n }) => ({ t, n }));
}

/** The kinds present in `markers`, in the legend's order. */
export function markerKinds(markers: readonly Marker[]): MarkerKind[] {
  const present = new Set(markers.map((m) => m.kind));
  return (Object.keys(MARKER_NAMES) as MarkerKind[]).filter((k) => present.has(k));
}
