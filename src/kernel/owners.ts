// Which process owns a socket: /proc/<pid>/fd links read "socket:[inode]". Only processes /proc lets us see
// (our own user's, or all as root) can be named; the rest stay unknown.

import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface SocketOwner {
  pid: number;
  command: string;
}

/** Parses a /proc/<pid>/fd link target; the inode for "socket:[12345]", else null. */
export function socketInode(linkTarget: string): number | null {
  const m = /^socket:\[(\d+)\]$/.exec(linkTarget);
  return m ? Number(m[1]) : null;
}

/** Owners of the given socket inodes (all sockets when `wanted` is undefined), as far as /proc shows them. */
export function socketOwners(wanted?: Set<number>, procRoot = "/proc"): Map<number, SocketOwner> {
  const owners = new Map<number, SocketOwner>();
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${entry}/fd`);
    } catch {
      continue; // not ours to look at, or gone
    }
    let command: string | null = null;
    for (const fd of fds) {
      let inode: number | null;
      try {
        inode = socketInode(readlinkSync(`${procRoot}/${entry}/fd/${fd}`));
      } catch {
        continue;
      }
      if (inode === null || (wanted && !wanted.has(inode)) || owners.has(inode)) continue;
      command ??= readComm(`${procRoot}/${entry}/comm`);
      owners.set(inode, { pid: Number(entry), command });
    }
  }
  return owners;
}

function readComm(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "?";
  }
}
