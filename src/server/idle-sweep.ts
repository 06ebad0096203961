// The idle timeout of a stream server's connections: a periodic look at each connection's tcp_info, closing
// those on which the kernel has seen no data either way for idleTimeout seconds. The kernel's clocks rather
// than the handler's calls, so that it holds whatever the handler does: waits in recv(), blocks in sendall()
// on a client that stopped reading, or was never written to read at all.

import type { Address } from "../socket/address.js";
import * as C from "../socket/constants.js";
import { OSError } from "../socket/errors.js";
import type { Socket } from "../socket/socket.js";

/** One connection a server took and has not closed yet. */
export interface TrackedConnection {
  clientAddress: Address;
  /** performance.now() at accept: the idle clock of a connection that waited in the accept queue starts here. */
  acceptedAt: number;
  /** True once it was shut down for idleness (it stays tracked until the server closes it). */
  closing: boolean;
}

/** The sweep's period: a tenth of the timeout (a connection closes within 1.1 × the timeout), 50 ms to 5 s. */
function periodMs(timeout: number): number {
  return Math.min(Math.max(timeout / 10, 0.05), 5) * 1000;
}

/**
 * How long the kernel has seen no data either way on `conn`, and at most since it was accepted, in
 * milliseconds; null for a connection without tcp_info (AF_UNIX) or one its handler already closed.
 */
function idleMs(conn: Socket, sinceAccept: number): number | null {
  if (conn.family !== C.AF_INET && conn.family !== C.AF_INET6) return null;
  try {
    const info = conn.tcpInfo();
    return Math.min(info.lastDataRecv, info.lastDataSent, sinceAccept);
  } catch (err) {
    if (err instanceof OSError) return null;
    throw err;
  }
}

/** Sweeps a server's open connections while there are any and the server has an idle timeout. */
export class IdleSweep {
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param timeout reads the server's idleTimeout (null: none) each time, so that a changed setting applies
   * @param onIdle shuts one idle connection down; called once per connection
   */
  constructor(
    private readonly open: ReadonlyMap<Socket, TrackedConnection>,
    private readonly timeout: () => number | null,
    private readonly onIdle: (conn: Socket, tracked: TrackedConnection, idleMs: number) => void,
  ) {}

  /** Starts sweeping, unless it already does or there is no timeout. */
  watch(): void {
    if (this.timer !== null) return;
    const timeout = this.timeout();
    if (timeout === null) return;
    // Unref'd: open connections alone do not keep a process alive, as in Python.
    this.timer = setInterval(() => this.sweep(), periodMs(timeout)).unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private sweep(): void {
    const timeout = this.timeout();
    if (timeout === null) return this.stop();
    const now = performance.now();
    for (const [conn, tracked] of this.open) {
      if (tracked.closing) continue;
      const idle = idleMs(conn, now - tracked.acceptedAt);
      if (idle === null || idle < timeout * 1000) continue;
      tracked.closing = true;
      this.onIdle(conn, tracked, idle);
    }
  }
}
