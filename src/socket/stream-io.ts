// recv and send on a connected stream socket, with Python's timeout rules, over its libuv ByteStream.
// Non-blocking calls (timeout 0, MSG_DONTWAIT) ask the kernel directly so they see exactly what it holds.

import * as C from "../libc/constants.js";
import { errno as E } from "../libc/errno.js";
import { sys } from "../libc/syscalls.js";
import type { ByteStream } from "./byte-stream.js";
import { errorFromResult, OSError, timedOut } from "./errors.js";
import { deadlineFor } from "./timeout.js";

function nonBlocking(timeout: number | null, flags: number): boolean {
  return timeout === 0 || (flags & C.MSG_DONTWAIT) !== 0;
}

/** At most `bufsize` (> 0) bytes from the stream, waiting as `timeout` allows; an empty Buffer at EOF. */
export function streamRecv(stream: ByteStream, fd: number, bufsize: number, flags: number, timeout: number | null): Promise<Buffer> {
  const peek = (flags & C.MSG_PEEK) !== 0;
  if (nonBlocking(timeout, flags)) {
    // With the queue empty, the kernel may still hold bytes libuv has not read yet: they count.
    return stream.readNow(bufsize, peek) ?? new Promise((resolve) => resolve(recvNow(fd, bufsize, flags)));
  }
  return stream.read(bufsize, peek, deadlineFor(timeout));
}

function recvNow(fd: number, bufsize: number, flags: number): Buffer {
  const buf = Buffer.allocUnsafe(bufsize);
  const r = sys.recv(fd, buf, bufsize, flags | C.MSG_DONTWAIT);
  if (r < 0) throw errorFromResult(r, "recv");
  return buf.subarray(0, r);
}

/** Sends `data` and resolves with its length once the kernel has it, or rejects with TimeoutError after `timeout`. */
export async function streamSend(stream: ByteStream, fd: number, data: Uint8Array, flags: number, timeout: number | null): Promise<number> {
  if (nonBlocking(timeout, flags)) {
    // Python's non-blocking send: what the kernel takes now, or BlockingIOError; never queue behind libuv.
    if (stream.pendingWrite > 0) throw OSError.fromErrno(E.EAGAIN!, { syscall: "send" });
    const r = sys.send(fd, data, data.length, flags | C.MSG_DONTWAIT | C.MSG_NOSIGNAL);
    if (r < 0) throw errorFromResult(r, "send");
    return r;
  }
  if (timeout === null) {
    await stream.write(data);
    return data.length;
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut("send")), timeout * 1000);
  });
  const writing = stream.write(data);
  // Once the timeout has won, the write's own outcome has no one left to hear it.
  writing.catch(() => {});
  try {
    await Promise.race([writing, expired]);
  } finally {
    clearTimeout(timer);
  }
  return data.length;
}
