// Long waits that say how they are going: a run that must wait seconds (for a drain it was asked to delay, for SYN
// retransmissions) tells the person watching, through RunHooks.progress, what it waits for and what has happened
// so far — once at the start, then whenever that changes — rather than going silent.

import { sleep } from "./clock.js";
import type { RunHooks } from "./experiment.js";
import type { Text } from "./view.js";

/** How often a long wait looks at what has changed. */
const TICK_MS = 250;

/**
 * Waits `ms`, telling `hooks.progress` what `describe` says at the start and each time it says something new
 * (with the time still to wait). Waits under a second say nothing.
 */
export async function waitShowingProgress(ms: number, hooks: RunHooks, describe: () => Text): Promise<void> {
  const end = performance.now() + ms;
  let said = "";
  while (performance.now() < end) {
    const left = end - performance.now();
    const now = describe();
    if (ms >= 1000 && now.en !== said) {
      hooks.progress?.(now, left);
      said = now.en;
    }
    await sleep(Math.min(TICK_MS, left));
  }
}
