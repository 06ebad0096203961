// Python's socket.sendfile(): a file's bytes sent with sendfile(2) (zero copy, kernel to kernel) and, where the
// kernel cannot do that for this file, with reads and sends. Used by Socket.sendfile on the socket's own engine.

import * as C from "../libc/constants.js";
import { E } from "../libc/errno.js";
import { WRITABLE } from "../libc/poller.js";
import { sys } from "../libc/syscalls.js";
import { checkInt } from "./arguments.js";
import { errorFromResult, timedOut } from "./errors.js";
import type { IoSource } from "./io-source.js";
import { deadlineFor } from "./timeout.js";

/** A file to send: a descriptor, or anything holding one (a `fs.promises.FileHandle`). */
export type SendfileSource = number | { readonly fd: number };

/** The most one sendfile(2) call moves, as CPython's 2**30. */
const BLOCK = 1 << 30;
const FALLBACK_BLOCK = 64 * 1024;

function fileDescriptor(file: SendfileSource): number {
  const fd = typeof file === "number" ? file : file?.fd;
  if (typeof fd !== "number") throw new TypeError("file must be a file descriptor or an object with an fd");
  return checkInt(fd, "file", 0, C.INT_MAX);
}

/** Sends `count` bytes (or up to EOF) of `file` from `offset`; resolves with the bytes sent. */
export async function transmitFile(
  source: IoSource,
  file: SendfileSource,
  offset: number,
  count: number | null,
): Promise<number> {
  const inFd = fileDescriptor(file);
  checkInt(offset, "offset", 0, Number.MAX_SAFE_INTEGER);
  if (count !== null && (typeof count !== "number" || !Number.isInteger(count)))
    throw new TypeError(`count must be a positive integer, got ${String(count)}`);
  if (count !== null && count <= 0) throw new RangeError(`count must be a positive integer, got ${count}`);
  if (source.type !== C.SOCK_STREAM) throw new RangeError("only SOCK_STREAM type sockets are supported");
  if (source.timeout === 0) throw new RangeError("non-blocking sockets are not supported");
  const mode = sys.fstatMode(inFd);
  if (mode < 0) throw errorFromResult(mode, "fstat");
  let sent = 0;
  try {
    if ((mode & C.S_IFMT) === C.S_IFREG) {
      const result = await withSendfile(source, inFd, offset, count);
      sent = result.sent;
      if (!result.gaveUp) return sent;
    }
    sent += await withReads(
      source,
      inFd,
      offset + sent,
      count === null ? null : count - sent,
      (mode & C.S_IFMT) === C.S_IFREG,
    );
    return sent;
  } finally {
    if (sent > 0) sys.lseek(inFd, offset + sent, C.SEEK_SET);
  }
}

/** The zero-copy path. A first call the kernel refuses (sent nothing yet) hands over to the fallback, as Python does. */
async function withSendfile(
  source: IoSource,
  inFd: number,
  offset: number,
  count: number | null,
): Promise<{ sent: number; gaveUp: boolean }> {
  const position = Buffer.alloc(8);
  position.writeBigInt64LE(BigInt(offset));
  let sent = 0;
  for (;;) {
    const want = count === null ? BLOCK : Math.min(BLOCK, count - sent);
    if (want <= 0) return { sent, gaveUp: false };
    const r = sys.sendfile(source.openFd("sendfile"), inFd, position, want);
    if (r === 0) return { sent, gaveUp: false };
    if (r > 0) {
      sent += r;
      continue;
    }
    if (r === -E.EINTR) continue;
    if (r === -E.EAGAIN) {
      // Each wait gets the whole timeout, as Python's sendfile() gives each select().
      if (!(await source.wait(WRITABLE, deadlineFor(source.timeout)))) throw timedOut("sendfile");
      continue;
    }
    if (sent === 0) return { sent, gaveUp: true };
    throw errorFromResult(r, "sendfile");
  }
}

/** Reads and sends, block by block: for files sendfile(2) cannot read from. */
async function withReads(
  source: IoSource,
  inFd: number,
  offset: number,
  count: number | null,
  seekable: boolean,
): Promise<number> {
  const block = Buffer.allocUnsafe(count === null ? FALLBACK_BLOCK : Math.min(FALLBACK_BLOCK, count));
  let sent = 0;
  for (;;) {
    const want = count === null ? block.length : Math.min(block.length, count - sent);
    if (want <= 0) return sent;
    const n = seekable ? sys.pread(inFd, block, want, offset + sent) : sys.read(inFd, block, want);
    if (n === -E.EINTR) continue;
    if (n < 0) throw errorFromResult(n, "read");
    if (n === 0) return sent;
    await source.sendall(block.subarray(0, n), 0);
    sent += n;
  }
}
