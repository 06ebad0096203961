// The lab's two socket steps: a listener on a port the kernel picks, and a socket's own port, as the packet log,
// the sock_diag dumps and the timelines name the sockets.

import type { Socket } from "../socket/socket.js";

/** The local port of an IP socket (getsockname). @throws TypeError for a socket without one (AF_UNIX). */
export function portOf(socket: Socket): number {
  const address = socket.getsockname();
  if (!Array.isArray(address) || typeof address[1] !== "number") throw new TypeError("the socket has no IP port");
  return address[1];
}

/** Binds `server` to a port the kernel picks on `host` and listens with `backlog`; returns the port. */
export function listenOn(server: Socket, host: string, backlog: number): number {
  server.bind([host, 0]);
  server.listen(backlog);
  return portOf(server);
}
