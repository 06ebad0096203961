// Where a server's listening socket comes from when a deployment made it: a WorkerGroup (in a group worker), a
// predecessor handing its listener over (handover.ts), systemd's socket activation — or, when none did, the
// server's own bind. `socketkit serve` takes this decision here, and so can any program of one's own.

import type { TCPServer } from "../server/tcp-server.js";
import { groupRole } from "../server/workers/role.js";
import { requestListener } from "./handover.js";
import { listenFds } from "./socket-activation.js";
import { joinWorkerGroup } from "./worker-group.js";

/** How a server came by its listening socket. */
export type ListenerSource = "bound" | "group" | "handover" | "systemd";

/** Where a server's listener came from, and how to tell its giver that the server serves on it. */
export interface ListenerOrigin {
  /** bound: by this process; group: the worker group's primary's socket; handover: a predecessor's; systemd. */
  source: ListenerSource;
  /** "pid 1234" (a predecessor), "systemd (LISTEN_FDS, NAME)"; null when the server bound or joined a group. */
  from: string | null;
  /** The predecessor's pid (SO_PEERCRED) for a hand-over, the primary's in a group sharing one socket. */
  pid?: number;
  /** The name systemd gave the socket (FileDescriptorName=) for socket activation. */
  name?: string;
  /** Tells a predecessor that the server now serves on its listener, so that it stops; otherwise does nothing. */
  confirm(): Promise<void>;
}

const nothingToConfirm = async () => {};

/** The origin of a group worker's listener: its own SO_REUSEPORT bind, or the primary's one socket. */
function groupOrigin(): ListenerOrigin {
  if (groupRole()?.share === "reuseport") return { source: "bound", from: null, confirm: nothingToConfirm };
  return { source: "group", from: null, pid: process.ppid, confirm: nothingToConfirm };
}

/**
 * Puts `server` (constructed with `bindAndActivate = false`) on its listening socket: in a WorkerGroup worker the
 * group's (joinWorkerGroup()); else, with `handover`, the listener of the predecessor offering it on that Unix
 * socket path, if one does — a listening TCP socket bound to the server's address (any port if its port is 0),
 * from a process of this user or root, on a path only they can write (handover-trust.ts); else the first socket
 * systemd passed (any others are closed); else its own bind. On failure the server is closed before the error
 * propagates.
 * @throws OSError from the bind or the hand-over; HandoverRefusedError when the hand-over's path, peer or
 * listener is refused; TypeError when a passed socket does not suit the server.
 * @example
 * const server = new ThreadingTCPServer(["localhost", 8000], Handler, false);
 * const origin = await activateServer(server, "/run/echo/handover.sock");
 * const serving = server.serveForever();
 * await origin.confirm();
 */
export async function activateServer(server: TCPServer, handover?: string): Promise<ListenerOrigin> {
  try {
    if (joinWorkerGroup(server)) return groupOrigin();
    const expected = { address: server.serverAddress, family: server.addressFamily };
    const received = handover === undefined ? null : await requestListener(handover, expected);
    if (received !== null) {
      server.useSocket(received.listener);
      const pid = received.predecessorPid;
      return { source: "handover", from: `pid ${pid}`, pid, confirm: () => received.confirm() };
    }
    const [activated, ...others] = listenFds();
    for (const { socket } of others) socket.close();
    if (activated === undefined) {
      server.bindAndActivate();
      return { source: "bound", from: null, confirm: nothingToConfirm };
    }
    server.useSocket(activated.socket);
    const { name } = activated;
    return { source: "systemd", from: `systemd (LISTEN_FDS, ${name})`, name, confirm: nothingToConfirm };
  } catch (err) {
    await server.serverClose();
    throw err;
  }
}
