// The phrases both `watch` views share, in English and Chinese: how often it refreshes, a rate, the owners, and
// the network namespace's counters folded to the terminal's width.

import type { Counters } from "../../kernel/counters.js";
import type { SocketOwner } from "../../kernel/owners.js";
import { paint, say, type Text, type View } from "../../lab/view.js";
import { foldItems } from "./cells.js";

/** "every 1 s" / "每 1 秒刷新". */
export function refreshText(view: View, intervalSeconds: number): string {
  return say(view, { en: `every ${intervalSeconds} s`, zh: `每 ${intervalSeconds} 秒刷新` });
}

/** A rate per second with at most one decimal; "-" before there are two looks to compare. */
export function rateText(rate: number | null): string {
  return rate === null ? "-" : String(Math.round(rate * 10) / 10);
}

/** Each owner as `node[1234]`; "not visible" alone when /proc hides them (another user's, without root). */
export function ownerNames(view: View, owners: readonly SocketOwner[]): string[] {
  if (owners.length === 0) return [say(view, { en: "not visible", zh: "不可见" })];
  return owners.map((o) => `${o.command}[${o.pid}]`);
}

/** `node[1234]`, or `node[1234] +2` for a socket several processes hold. */
export function ownersText(view: View, owners: readonly SocketOwner[]): string {
  const [first, ...rest] = ownerNames(view, owners);
  return rest.length === 0 ? first! : `${first} +${rest.length}`;
}

/** `ListenOverflows 120 (+2.0/s)`; the rate only when it moved. */
function counterItem(view: View, name: string, value: number, rate: number | undefined): string {
  if (!rate) return `${name} ${value}`;
  return say(view, { en: `${name} ${value} (+${rate}/s)`, zh: `${name} ${value}（每秒 +${rate}）` });
}

/** The heading, then the namespace's counters with their rates, folded into lines of `width` columns. */
export function namespaceLines(
  view: View,
  s: { counters: Counters; ratePerSecond: Counters },
  width: number,
  heading: Text,
): string[] {
  const items = Object.entries(s.counters).map(([k, v]) => counterItem(view, k, v, s.ratePerSecond[k]));
  return [paint(view, "bold", say(view, heading)), ...foldItems(items, width)];
}
