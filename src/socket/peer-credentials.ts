// The credentials of a Unix socket's peer (SO_PEERCRED, struct ucred): what Python reads with
// `struct.unpack("3i", sock.getsockopt(SOL_SOCKET, SO_PEERCRED, 12))`, decoded once here for the layers above.

import * as C from "../libc/constants.js";
import type { Socket } from "./socket.js";

/** struct ucred: the peer's process, user and group as the kernel recorded them at connect() or listen(). */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** sizeof(struct ucred): three C ints. */
const UCRED_SIZE = 12;

/**
 * The credentials of the process at the other end of a connected AF_UNIX stream socket: for a client's socket,
 * those of whoever called listen() on the server's socket; for an accepted one, those of the client that
 * connected. The kernel records them then, so a peer cannot change them later (a setuid exec included).
 * @throws OSError from getsockopt (ENOTCONN before connecting, ENOPROTOOPT on a socket that has no peer).
 * @example
 * const { uid } = peerCredentials(conn);
 * if (uid !== process.geteuid!() && uid !== 0) conn.close();
 */
export function peerCredentials(sock: Socket): PeerCredentials {
  const raw = sock.getsockopt(C.SOL_SOCKET, C.SO_PEERCRED, UCRED_SIZE);
  return { pid: raw.readInt32LE(0), uid: raw.readUInt32LE(4), gid: raw.readUInt32LE(8) };
}
