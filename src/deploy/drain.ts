// Draining: once a server stopped accepting (after a hand-over), waiting until the requests it had taken are done
// — ThreadingMixIn's running requests, and ProxyProtocolMixIn's connections still sending their header — or a
// bound passed.

import { deadlineFor, hasPassed, msLeft } from "../socket/timeout.js";

/** The parts of a server drainRequests() looks at; a server with neither has nothing to drain. */
export interface Drainable {
  /** ThreadingMixIn's running requests. */
  threads?: ReadonlySet<Promise<void>>;
  /** ProxyProtocolMixIn's connections whose header is still being read. */
  pendingHeaders?: ReadonlySet<Promise<void>>;
}

/**
 * Waits until `server` has no request running and no PROXY header being read — its clients finished on their
 * own — or `ms` passed. Resolves true when drained. Call it after the server stopped accepting.
 */
export async function drainRequests(server: Drainable & object, ms: number): Promise<boolean> {
  const deadline = deadlineFor(ms / 1000);
  for (;;) {
    const running = [...(server.threads ?? []), ...(server.pendingHeaders ?? [])];
    if (running.length === 0) return true;
    if (hasPassed(deadline)) return false;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise((r) => (timer = setTimeout(r, msLeft(deadline))));
    await Promise.race([Promise.allSettled(running), bound]);
    clearTimeout(timer);
  }
}
