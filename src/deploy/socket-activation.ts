// systemd's socket activation (sd_listen_fds(3): LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES, descriptors from 3 on):
// the sockets the service manager passed, for a server's useSocket() to serve on instead of binding its own.

import type { TCPServer } from "../server/tcp-server.js";
import { Socket } from "../socket/socket.js";

/** The first descriptor systemd passes (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;

/** One socket passed by the service manager, with the name its unit gave it (FileDescriptorName=, else "unknown"). */
export interface ActivatedSocket {
  socket: Socket;
  name: string;
}

/**
 * The sockets systemd (or anything that follows its protocol) passed to this process, as sd_listen_fds(3) finds
 * them: none unless LISTEN_PID is this process's pid; then LISTEN_FDS descriptors from fd 3, named by
 * LISTEN_FDNAMES. Each becomes close-on-exec and non-blocking. With `unsetEnvironment` (default) the three
 * variables are removed, so that a child process does not take them for its own.
 * @throws RangeError when LISTEN_FDS is not a count; OSError (ENOTSOCK, EBADF) when a passed descriptor is not a socket.
 * @example
 * const [activated] = listenFds();
 * const server = new ThreadingTCPServer(["localhost", 0], Handler, false);
 * if (activated) server.useSocket(activated.socket); else server.bindAndActivate();
 */
export function listenFds(unsetEnvironment = true, env: NodeJS.ProcessEnv = process.env): ActivatedSocket[] {
  const pid = env.LISTEN_PID;
  const count = env.LISTEN_FDS;
  const names = env.LISTEN_FDNAMES?.split(":") ?? [];
  if (unsetEnvironment) {
    delete env.LISTEN_PID;
    delete env.LISTEN_FDS;
    delete env.LISTEN_FDNAMES;
  }
  if (pid === undefined || count === undefined || Number(pid) !== process.pid) return [];
  if (!/^\d+$/.test(count))
    throw new RangeError(`LISTEN_FDS must be a count of descriptors, got ${JSON.stringify(count)}`);
  const sockets: ActivatedSocket[] = [];
  for (let i = 0; i < Number(count); i++) {
    const socket = new Socket(undefined, undefined, undefined, LISTEN_FDS_START + i);
    socket.setInheritable(false);
    sockets.push({ socket, name: names[i] || "unknown" });
  }
  return sockets;
}

/**
 * Serves `server` on `listener`, a socket that is already bound and listening, instead of the socket its
 * constructor made (which is closed).
 * @deprecated since 0.2: call `server.useSocket(listener)`, the one seam for a socket made elsewhere; this
 * function will be removed in the next release.
 * @throws TypeError when `listener` is not a listening socket of the server's type.
 */
export function adoptListener(server: TCPServer, listener: Socket): void {
  server.useSocket(listener);
}
