// An experiment's story as steps in time: who did what, in English and Chinese, when on the run's clock — what the
// sequence diagrams draw (sequence-text.ts in the terminal, svg.ts as a picture).

import type { Text } from "./view.js";

/** One step of an experiment's story: who did what, and when. */
export interface TimelineStep {
  /** Milliseconds since the experiment started. */
  t: number;
  who: "client" | "server" | "kernel";
  what: string;
  /** The same in Chinese, for --lang zh. */
  zh?: string;
  /** The listener's accept queue as read at this step, where the run read it. */
  acceptQueue?: number;
}

/** The steps of one run in the order they happened, each stamped by the run's clock. */
export class Timeline {
  readonly steps: TimelineStep[] = [];

  constructor(private readonly now: () => number) {}

  /** Records that `who` did `text`, now or at `t` on the run's clock, with the accept queue if it was read. */
  add(who: TimelineStep["who"], text: Text, t = this.now(), acceptQueue?: number): void {
    this.steps.push({ t, who, what: text.en, zh: text.zh, ...(acceptQueue === undefined ? {} : { acceptQueue }) });
  }
}
