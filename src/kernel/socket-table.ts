// The socket table as `ss -tanp` shows it: every TCP socket of this namespace from /proc/net/tcp{,6}, with the
// process that owns it where /proc lets us see it.

import { socketOwners, type SocketOwner } from "./owners.js";
import { readTcpSockets, type TcpSocketEntry } from "./proc-net-tcp.js";

export interface OwnedTcpSocket extends TcpSocketEntry {
  owner: SocketOwner | null;
}

export function readSocketTable(procRoot = "/proc"): OwnedTcpSocket[] {
  const entries = readTcpSockets(procRoot);
  const owners = socketOwners(new Set(entries.map((e) => e.inode).filter((i) => i !== 0)), procRoot);
  return entries.map((e) => ({ ...e, owner: owners.get(e.inode) ?? null }));
}
