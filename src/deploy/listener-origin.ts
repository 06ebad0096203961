// Where a server's listening socket comes from when a deployment made it: a WorkerGroup (in a group worker), a
// predecessor handing its listener over (handover.ts), systemd's socket activation — or, when none did, the
// server's own bind. `socketkit serve` takes this decision here, and so can any program of one's own.

import type { TCPServer } from "../server/tcp-server.js";
import { requestListener } from "./handover.js";
import { listenFds } from "./socket-activation.js";
import { joinWorkerGroup } from "./worker-group.js";

/** Where a server's listener came from, and how to tell its giver that the server serves on it. */
export interface ListenerOrigin {
  /** "pid 1234" (a predecessor), "systemd (LISTEN_FDS, NAME)"; null when the server bound or joined a group. */
  from: string | null;
  /** Tells a predecessor that the server now serves on its listener, so that it stops; otherwise does nothing. */
  confirm(): Promise<void>;
}

const OWN: ListenerOrigin = { from: null, confirm: async () => {} };

/**
 * Puts `server` (constructed with `bindAndActivate = false`) on its listening socket: in a WorkerGroup worker the
 * group's (joinWorkerGroup()); else, with `handover`, the listener of the predecessor offering it on that Unix
 * socket path, if one does; else the first socket systemd passed (any others are closed); else its own bind.
 * On failure the server is closed before the error propagates.
 * @throws OSError from the bind or the hand-over; TypeError when a passed socket does not suit the server.
 * @example
 * const server = new ThreadingTCPServer(["localhost", 8000], Handler, false);
 * const origin = await activateServer(server, "/run/echo/handover.sock");
 * const serving = server.serveForever();
 * await origin.confirm();
 */
export async function activateServer(server: TCPServer, handover?: string): Promise<ListenerOrigin> {
  try {
    if (joinWorkerGroup(server)) return OWN;
    const received = handover === undefined ? null : await requestListener(handover);
    if (received !== null) {
      server.useSocket(received.listener);
      return { from: `pid ${received.predecessorPid}`, confirm: () => received.confirm() };
    }
    const [activated, ...others] = listenFds();
    for (const { socket } of others) socket.close();
    if (activated === undefined) {
      server.bindAndActivate();
      return OWN;
    }
    server.useSocket(activated.socket);
    return { from: `systemd (LISTEN_FDS, ${activated.name})`, confirm: async () => {} };
  } catch (err) {
    await server.serverClose();
    throw err;
  }
}
