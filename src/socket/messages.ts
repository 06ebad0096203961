// sendmsg/recvmsg for the Socket class: scatter/gather buffers, ancillary data and descriptor passing
// (SCM_RIGHTS), and Python's send_fds/recv_fds on top. sendmsgOnce and recvmsgOnce each make one non-blocking
// syscall for the fd engine (io-source.ts), which calls them again after EAGAIN.

import * as C from "../libc/constants.js";
import {
  cmsgLen,
  packAncillary,
  unpackAncillary,
  type AncillaryItem,
  type IoVector,
  type MessageHeader,
} from "../libc/msghdr.js";
import { SOCKADDR_STORAGE_SIZE } from "../libc/sockaddr.js";
import { sys } from "../libc/syscalls.js";
import { fromSockaddr, type Address, type AddressInput } from "./address.js";
import { checkBytes, checkInt, isArray } from "./arguments.js";
import { E, OSError } from "./errors.js";
import { recvmsgNow } from "./now.js";
import type { Socket } from "./socket.js";

export type { AncillaryItem } from "../libc/msghdr.js";
export { cmsgLen as CMSG_LEN, cmsgSpace as CMSG_SPACE } from "../libc/msghdr.js";

/** What recvmsg resolves with: [data (or byte count for recvmsgInto), ancdata, msgFlags, address]. */
export type ReceivedMessage<D> = [data: D, ancdata: AncillaryItem[], msgFlags: number, address: Address | null];

const FD_SIZE = 4;

function vectors(buffers: readonly Uint8Array[], argument: string): IoVector[] {
  if (!isArray(buffers)) throw new TypeError(`${argument} must be an array of bytes-like objects`);
  return buffers.map((b, i) => ({ iov_base: checkBytes(b, `${argument}[${i}]`), iov_len: b.length }));
}

function checkAncillary(items: readonly AncillaryItem[]): AncillaryItem[] {
  if (!isArray(items)) throw new TypeError("ancdata must be an array of [level, type, data] items");
  return items.map((item, i) => {
    if (!Array.isArray(item) || item.length !== 3) throw new TypeError(`ancdata[${i}] must be [level, type, data]`);
    const [level, type, data] = item;
    checkInt(level, `ancdata[${i}] level`, C.INT_MIN, C.INT_MAX);
    checkInt(type, `ancdata[${i}] type`, C.INT_MIN, C.INT_MAX);
    return [level, type, Buffer.from(checkBytes(data, `ancdata[${i}] data`))];
  });
}

/** One sendmsg(2); returns the bytes sent or -errno. Arguments are checked before anything is sent. */
export function sendmsgOnce(
  fd: number,
  buffers: readonly Uint8Array[],
  ancdata: readonly AncillaryItem[],
  flags: number,
  name: Buffer | null,
): number {
  const iov = vectors(buffers, "buffers");
  const control = packAncillary(checkAncillary(ancdata));
  const msg: MessageHeader = {
    msg_name: name,
    msg_namelen: name?.length ?? 0,
    msg_iov: iov,
    msg_iovlen: iov.length,
    msg_control: control,
    msg_controllen: control?.length ?? 0,
    msg_flags: 0,
  };
  return sys.sendmsg(fd, msg, flags);
}

/** One recvmsg(2) into `buffers`; returns [bytes, ancdata, msgFlags, address] or -errno. */
export function recvmsgOnce(
  fd: number,
  buffers: readonly Uint8Array[],
  ancbufsize: number,
  flags: number,
): ReceivedMessage<number> | number {
  const iov = vectors(buffers, "buffers");
  const name = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
  const control = ancbufsize > 0 ? Buffer.alloc(ancbufsize) : null;
  const msg: MessageHeader = {
    msg_name: name,
    msg_namelen: name.length,
    msg_iov: iov,
    msg_iovlen: iov.length,
    msg_control: control,
    msg_controllen: ancbufsize,
    msg_flags: 0,
  };
  const n = sys.recvmsg(fd, msg, flags);
  if (n < 0) return n;
  const ancdata = control === null ? [] : unpackAncillary(control, Math.min(msg.msg_controllen, ancbufsize));
  // The kernel echoes MSG_CMSG_CLOEXEC, which socketkit always asks for, in msg_flags: it is not news to the caller.
  const msgFlags = msg.msg_flags & ~C.MSG_CMSG_CLOEXEC;
  return [n, ancdata, msgFlags, msg.msg_namelen > 0 ? fromSockaddr(name, msg.msg_namelen) : null];
}

/**
 * One recvmsg into `buffers` through `sock`'s engine that never waits and is done when this returns: for a
 * message queued before the process started, read inside a constructor (the forking worker's hello). Received
 * descriptors are close-on-exec.
 * @throws BlockingIOError when nothing is queued; the OSError the kernel gives otherwise
 */
export function receiveMessage(
  sock: Socket,
  buffers: readonly Uint8Array[],
  ancbufsize = 0,
  flags = 0,
): ReceivedMessage<number> {
  const got = sock[recvmsgNow](buffers, ancbufsize, flags);
  if (got === null) throw OSError.fromErrno(E.EAGAIN, { syscall: "recvmsg" });
  return got;
}

/**
 * Python's socket.send_fds(sock, buffers, fds, flags, address): sends `buffers` with the descriptors `fds`
 * attached (SCM_RIGHTS). The receiver gets its own descriptors for the same open files; ours stay open.
 */
export function sendFds(
  sock: Socket,
  buffers: readonly Uint8Array[],
  fds: readonly number[],
  flags = 0,
  address?: AddressInput,
): Promise<number> {
  if (!Array.isArray(fds)) throw new TypeError("fds must be an array of file descriptors");
  const packed = Buffer.alloc(fds.length * FD_SIZE);
  fds.forEach((fd, i) => packed.writeInt32LE(checkInt(fd, `fds[${i}]`, 0, C.INT_MAX), i * FD_SIZE));
  return sock.sendmsg(buffers, [[C.SOL_SOCKET, C.SCM_RIGHTS, packed]], flags, address);
}

/**
 * Python's socket.recv_fds(sock, bufsize, maxfds, flags): resolves with [data, fds, msgFlags, address]. The
 * descriptors are the caller's to close; they are close-on-exec.
 */
export async function recvFds(
  sock: Socket,
  bufsize: number,
  maxfds: number,
  flags = 0,
): Promise<[Buffer, number[], number, Address | null]> {
  checkInt(maxfds, "maxfds", 0, 0xffff);
  const [data, ancdata, msgFlags, address] = await sock.recvmsg(bufsize, cmsgLen(maxfds * FD_SIZE), flags);
  const fds: number[] = [];
  for (const [level, type, bytes] of ancdata) {
    if (level !== C.SOL_SOCKET || type !== C.SCM_RIGHTS) continue;
    for (let at = 0; at + FD_SIZE <= bytes.length; at += FD_SIZE) fds.push(bytes.readInt32LE(at));
  }
  return [data, fds, msgFlags, address];
}
