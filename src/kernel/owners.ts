// Which processes hold a socket: /proc/<pid>/fd links read "socket:[inode]". Only processes /proc lets us see
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

/**
 * The processes holding each of the given socket inodes (every socket when `wanted` is undefined), as far as /proc
 * shows them: a listener inherited by workers, or passed in SCM_RIGHTS, has several.
 */
export function socketOwners(wanted?: ReadonlySet<number>, procRoot = "/proc"): Map<number, SocketOwner[]> {
  const owners = new Map<number, SocketOwner[]>();
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    const inodes = socketInodesOf(`${procRoot}/${entry}`, wanted);
    if (inodes.size === 0) continue;
    const owner = { pid: Number(entry), command: readComm(`${procRoot}/${entry}/comm`) };
    for (const inode of inodes) owners.set(inode, [...(owners.get(inode) ?? []), owner]);
  }
  return owners;
}

/** The socket inodes (among `wanted`) in one process's descriptor table; none when /proc hides it or it is gone. */
function socketInodesOf(processDir: string, wanted?: ReadonlySet<number>): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`${processDir}/fd`);
  } catch {
    return inodes; // not ours to look at, or gone
  }
  for (const fd of fds) {
    let inode: number | null = null;
    try {
      inode = socketInode(readlinkSync(`${processDir}/fd/${fd}`));
    } catch {
      // closed while we read
    }
    if (inode !== null && (wanted === undefined || wanted.has(inode))) inodes.add(inode);
  }
  return inodes;
}

function readComm(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "?";
  }
}
