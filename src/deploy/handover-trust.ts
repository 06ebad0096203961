// What a hand-over (handover.ts) trusts, checked on both ends: the path of its Unix socket (the socket owned by
// this server's user and not a symbolic link; its directory, and every directory above, owned by that user or
// root and not writable by others — above the socket's own directory a sticky one such as /tmp may be), the
// process at the other end (SO_PEERCRED: this server's user or root), and, on the successor's side, the
// listener it is offered (a listening TCP socket bound to the address it was told). A check that fails throws
// HandoverRefusedError, whose message is one sentence saying what was found.

import { lstatSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Address, AddressInput } from "../socket/address.js";
import { fromSockaddr, toSockaddr } from "../socket/address.js";
import * as C from "../socket/constants.js";
import { peerCredentials, type PeerCredentials } from "../socket/peer-credentials.js";
import { hostPort } from "../socket/repr.js";
import type { Socket } from "../socket/socket.js";

/** A hand-over refused because its path, its peer or the offered listener is not what it must be. */
export class HandoverRefusedError extends Error {
  override name = "HandoverRefusedError";
}

const S_ISVTX = 0o1000;
const GROUP_OR_OTHER_WRITE = 0o022;

/** This process's effective uid: the user whose hand-over it is. */
function ownUid(): number {
  return process.geteuid?.() ?? -1;
}

function mode(m: number): string {
  return (m & 0o7777).toString(8).padStart(4, "0");
}

/**
 * Checks the directories that hold `path`: each, from the socket's own up to `/` (symbolic links resolved),
 * belongs to this server's user or root; the socket's own is writable by nobody else; one above it may be only
 * if sticky (nobody else can then rename what is in it). Otherwise another user could put a socket of theirs at
 * `path`, or move the directory away.
 * @throws HandoverRefusedError naming the directory, its owner or its mode.
 */
export function checkHandoverDirectory(path: string): void {
  const uid = ownUid();
  let dir: string;
  try {
    dir = realpathSync(dirname(resolve(path)));
  } catch {
    throw new HandoverRefusedError(`${path}: the directory ${dirname(resolve(path))} does not exist`);
  }
  for (let d = dir, own = true; ; d = dirname(d), own = false) {
    const st = statSync(d);
    if (st.uid !== uid && st.uid !== 0) {
      throw new HandoverRefusedError(
        `${path}: the directory ${d} belongs to uid ${st.uid}, not to this server's user (uid ${uid}) or root`,
      );
    }
    if ((st.mode & GROUP_OR_OTHER_WRITE) !== 0 && (own || (st.mode & S_ISVTX) === 0)) {
      throw new HandoverRefusedError(`${path}: the directory ${d} is writable by others (mode ${mode(st.mode)})`);
    }
    if (d === dirname(d)) return;
  }
}

/**
 * Checks what is at `path` before a successor connects to it: nothing (false: no predecessor), or a socket that
 * belongs to this server's user (true).
 * @throws HandoverRefusedError for a symbolic link, something that is not a socket, or another user's socket.
 */
export function checkHandoverSocket(path: string): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  if (st.isSymbolicLink()) throw new HandoverRefusedError(`${path} is a symbolic link, not the hand-over's socket`);
  if (!st.isSocket()) throw new HandoverRefusedError(`${path} is not a socket`);
  const uid = ownUid();
  if (st.uid !== uid) {
    throw new HandoverRefusedError(`${path} belongs to uid ${st.uid}, not to this server's user (uid ${uid})`);
  }
  return true;
}

/**
 * The credentials of the process at the other end of `conn`, if it is this server's user or root.
 * @param who how the sentence names that process ("the server offering on PATH")
 * @throws HandoverRefusedError naming its pid and uid.
 */
export function checkPeer(conn: Socket, who: string): PeerCredentials {
  const peer = peerCredentials(conn);
  const uid = ownUid();
  if (peer.uid !== uid && peer.uid !== 0) {
    throw new HandoverRefusedError(
      `${who} (pid ${peer.pid}) runs as uid ${peer.uid}, not as this server's user (uid ${uid}) or root`,
    );
  }
  return peer;
}

/** What a successor was told to serve on: the listener offered must match it. */
export interface ExpectedListener {
  /** The address the server would have bound (a host name is resolved as bind() would); port 0: any port. */
  address?: AddressInput;
  /** AF_INET or AF_INET6; omitted: either. */
  family?: number;
}

/** "127.0.0.1:8000", "[::1]:8000". */
function endpoint(address: Address): string {
  const [host, port] = address as [string, number];
  return hostPort(host, port);
}

/**
 * Checks the socket a successor received: a listening TCP socket of the expected family, bound to the expected
 * address (its host as bind() would resolve it; any port when the expected one is 0).
 * @param from how the sentence names the sender ("the server on PATH (pid 1234)")
 * @throws HandoverRefusedError saying what the socket is, or which address it is bound to.
 */
export async function checkOfferedListener(listener: Socket, expected: ExpectedListener, from: string): Promise<void> {
  const inet = listener.family === C.AF_INET || listener.family === C.AF_INET6;
  const tcp = listener.type === C.SOCK_STREAM && listener.getsockopt(C.SOL_SOCKET, C.SO_PROTOCOL) === C.IPPROTO_TCP;
  if (!inet || !tcp || listener.getsockopt(C.SOL_SOCKET, C.SO_ACCEPTCONN) !== 1) {
    throw new HandoverRefusedError(`${from} offered ${String(listener)}, not a listening TCP socket`);
  }
  const bound = listener.getsockname();
  if (expected.family !== undefined && listener.family !== expected.family) {
    const v = (f: number) => (f === C.AF_INET6 ? "IPv6" : "IPv4");
    throw new HandoverRefusedError(
      `${from} offered an ${v(listener.family)} listener on ${endpoint(bound)}, not an ${v(expected.family)} one`,
    );
  }
  if (expected.address === undefined) return;
  const sockaddr = await toSockaddr(listener.family, expected.address);
  const want = fromSockaddr(sockaddr, sockaddr.length) as [string, number];
  const got = bound as [string, number];
  if (got[0] !== want[0] || (want[1] !== 0 && got[1] !== want[1])) {
    const wanted = want[1] === 0 ? `${endpoint(want).replace(/:0$/, "")} (any port)` : endpoint(want);
    throw new HandoverRefusedError(`${from} offered a listener on ${endpoint(bound)}, not on ${wanted}`);
  }
}
