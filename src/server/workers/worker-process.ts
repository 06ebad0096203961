// Worker processes for the process-based servers: how one is started (the main module again, as node:cluster
// does, with its role in the environment: role.ts), the lifeline to its parent, and the framing of the messages
// on its control socket (an AF_UNIX SOCK_SEQPACKET pair, at fd 3 in the worker).

import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { thisProgramAgain } from "../../process/relaunch.js";
import { setInheritableFd } from "../../socket/inheritable.js";
import { ROLE_VARIABLE } from "./role.js";

/** The worker's end of its control socket: the fd the parent puts at position 3 of the child's stdio. */
export const CONTROL_FD = 3;

/**
 * Starts the main module again as a worker with `roleValue`, `channelFd` at its fd 3, stdout and stderr shared
 * with this process and stdin closed; with `lifeline`, a pipe at its fd 4 that this process holds open for life.
 * The worker is in its own process group, so a Ctrl-C at the terminal reaches only the parent, which stops its
 * workers itself.
 * @throws Error when this process has no main module to run again (a REPL, `node -e`).
 */
export function startWorker(roleValue: string, channelFd: number, lifeline = false): ChildProcess {
  const again = thisProgramAgain();
  const child = spawn(again.command, again.args, {
    stdio: lifeline ? ["ignore", "inherit", "inherit", channelFd, "pipe"] : ["ignore", "inherit", "inherit", channelFd],
    env: { ...process.env, [ROLE_VARIABLE]: roleValue },
    detached: true,
  });
  // The parent's lifetime is its own: a worker never keeps it running.
  child.unref();
  return child;
}

/** The worker's end of the pipe that ends when its parent does (`lifeline`). */
export const LIFELINE_FD = 4;

/**
 * Calls `onParentGone` once the parent that started this worker with a lifeline has ended, however it ended
 * (a SIGKILL included): the pipe at fd 4 reads end of file. The pipe never keeps the process alive.
 * @returns the pipe, which is a socket pair both ways: a group worker answers its primary on it (worker-group.ts).
 */
export function watchParent(onParentGone: () => void): net.Socket {
  // A handler's child process holding the pipe would not change what it reads; it is just not theirs to have.
  setInheritableFd(LIFELINE_FD, false);
  const pipe = new net.Socket({ fd: LIFELINE_FD, readable: true, writable: true });
  pipe.on("data", () => {});
  pipe.once("end", onParentGone);
  pipe.once("error", onParentGone);
  pipe.unref();
  return pipe;
}

/** A control message: a JSON header, and for a datagram request the datagram's bytes after it. */
export function encodeMessage(header: object, payload?: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  return payload === undefined ? Buffer.concat([length, json]) : Buffer.concat([length, json, payload]);
}

export function decodeMessage<H>(message: Buffer): { header: H; payload: Buffer } {
  const length = message.readUInt32LE(0);
  const header = JSON.parse(message.subarray(4, 4 + length).toString()) as H;
  return { header, payload: message.subarray(4 + length) };
}

/** The largest control message: a header plus a datagram of up to 64 KiB. */
export const MAX_MESSAGE = 70 * 1024;
