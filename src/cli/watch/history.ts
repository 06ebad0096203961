// The short history `watch` keeps of each listener's accept queue, drawn as a sparkline: one block character per
// refresh, its height the queue's fill (▁ empty, █ at backlog + 1, the most the kernel holds).

import type { Listener } from "../../kernel/listeners.js";

const BLOCKS = "▁▂▃▄▅▆▇█";

/** A fill of 0 … 1 as one block character: ▁ only for an empty queue, so that one waiting connection shows. */
export function block(acceptQueue: number, backlog: number): string {
  if (acceptQueue <= 0) return BLOCKS[0]!;
  const level = 1 + Math.floor(Math.min(1, acceptQueue / (backlog + 1)) * (BLOCKS.length - 2));
  return BLOCKS[level]!;
}

/** The last `keep` accept-queue fills of every listener seen, by key. */
export class QueueHistory {
  private readonly blocks = new Map<string, string[]>();

  constructor(private readonly keep = 120) {}

  /** Records one refresh; a listener no longer there is forgotten. */
  record(listeners: readonly Listener[]): void {
    const seen = new Set<string>();
    for (const l of listeners) {
      seen.add(l.key);
      const row = this.blocks.get(l.key) ?? [];
      row.push(block(l.acceptQueue, l.backlog));
      if (row.length > this.keep) row.shift();
      this.blocks.set(l.key, row);
    }
    for (const key of this.blocks.keys()) if (!seen.has(key)) this.blocks.delete(key);
  }

  /** The newest `width` refreshes of `key`, oldest first, padded on the left to `width` columns. */
  sparkline(key: string, width: number): string {
    const row = this.blocks.get(key) ?? [];
    return row.slice(-width).join("").padStart(width);
  }
}
