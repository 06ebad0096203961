// A graceful stop with a grace period, for stream servers: stop accepting, close the connections that wait for
// their client's next request, let the others finish theirs — and close whatever is still open when the grace
// period ends, so a client that stopped reading mid-reply cannot keep the server from stopping.

import { OSError } from "../socket/errors.js";
import { SHUT_RDWR } from "../socket/constants.js";
import type { Socket } from "../socket/socket.js";
import type { BaseServer } from "../server/base-server.js";

/**
 * The connections of a server, and which of them are idle (waiting for the client's next request). A handler
 * calls open() when it starts, idle()/busy() around each wait for a request, and close() when it ends.
 * @example
 * const connections = new ConnectionSet();
 * // in handle(): connections.open(this.request); … connections.idle(this.request); await recv; connections.busy(…)
 * const forced = await stopGracefully(server, connections, 5000);
 */
export class ConnectionSet {
  readonly all = new Set<Socket>();
  readonly waiting = new Set<Socket>();
  /** True once a stop began: handlers should end after their current request. */
  stopping = false;

  open(conn: Socket): void {
    this.all.add(conn);
  }
  idle(conn: Socket): void {
    this.waiting.add(conn);
  }
  busy(conn: Socket): void {
    this.waiting.delete(conn);
  }
  close(conn: Socket): void {
    this.waiting.delete(conn);
    this.all.delete(conn);
  }
}

function shutDownQuietly(conn: Socket): void {
  try {
    conn.shutdown(SHUT_RDWR);
  } catch (err) {
    // Already closed, or the peer is gone: nothing left to shut down.
    if (!(err instanceof OSError)) throw err;
  }
}

/**
 * Stops `server` (serveForever() returns), wakes the idle connections with a shutdown so their handlers end,
 * and waits for serverClose() — at most `graceMs`, then closes the connections still open and waits again.
 * Resolves with how many connections had to be closed that way (0 when every client finished in time).
 */
export async function stopGracefully(server: BaseServer, connections: ConnectionSet, graceMs: number): Promise<number> {
  connections.stopping = true;
  await server.shutdown();
  for (const conn of connections.waiting) shutDownQuietly(conn);
  const closing = server.serverClose();
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    closing.then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
  ]);
  clearTimeout(timer);
  if (!late) return 0;
  const forced = connections.all.size;
  for (const conn of connections.all) conn.close();
  await closing;
  return forced;
}
