// Python's socket.sendfile(): a file's bytes sent with sendfile(2) (zero copy, kernel to kernel) and, where the
// kernel cannot do that for this file, with reads and sends. Used by Socket.sendfile on the socket's own engine.

import * as C from "../libc/constants.js";
import { E } from "../libc/errno.js";
import { WRITABLE } from "../libc/poller.js";
import { sys } from "../libc/syscalls.js";
import { checkInt } from "./arguments.js";
import { abortError, AbortError, throwIfAborted } from "./abort.js";
import { E as Errno, errorFromResult, OSError, timedOut } from "./errors.js";
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

/** How far one sendfile() got: bytes the kernel took, from either path. */
interface Progress {
  sent: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * Sends `count` bytes (or up to EOF) of `file` from `offset`; resolves with the bytes sent. As Python: a closed
 * socket is a RangeError (ValueError "Invalid file descriptor: -1"), a negative offset the kernel's EINVAL.
 * Aborted by `signal`, it rejects with an AbortError whose `bytesSent` says how much went out.
 */
export async function transmitFile(
  source: IoSource,
  file: SendfileSource,
  offset: number,
  count: number | null,
  signal?: AbortSignal,
): Promise<number> {
  throwIfAborted(signal);
  const inFd = fileDescriptor(file);
  if (source.fd < 0) throw new RangeError("Invalid file descriptor: -1");
  checkInt(offset, "offset", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (offset < 0) throw OSError.fromErrno(Errno.EINVAL, { syscall: "sendfile" });
  if (count !== null && (typeof count !== "number" || !Number.isInteger(count)))
    throw new TypeError(`count must be a positive integer, got ${String(count)}`);
  if (count !== null && count <= 0) throw new RangeError(`count must be a positive integer, got ${count}`);
  if (source.type !== C.SOCK_STREAM) throw new RangeError("only SOCK_STREAM type sockets are supported");
  if (source.timeout === 0) throw new RangeError("non-blocking sockets are not supported");
  const mode = sys.fstatMode(inFd);
  if (mode < 0) throw errorFromResult(mode, "fstat");
  const progress: Progress = { sent: 0, signal };
  try {
    const regular = (mode & C.S_IFMT) === C.S_IFREG;
    if (regular && !(await withSendfile(source, inFd, offset, count, progress))) return progress.sent;
    await withReads(source, inFd, offset, count, regular, progress);
    return progress.sent;
  } finally {
    if (progress.sent > 0) sys.lseek(inFd, offset + progress.sent, C.SEEK_SET);
  }
}

/** Waits until `source` is writable (each wait gets the whole timeout, as Python's sendfile() gives each select()). */
async function writable(source: IoSource, progress: Progress): Promise<void> {
  if (await source.wait(WRITABLE, deadlineFor(source.timeout), progress.signal)) return;
  if (!progress.signal?.aborted) throw timedOut("sendfile");
  const err = abortError(progress.signal);
  err.bytesSent = progress.sent;
  throw err;
}

/**
 * The zero-copy path; false once done. A first call the kernel refuses (sent nothing yet) returns true: hand over
 * to the fallback, as Python does.
 */
async function withSendfile(
  source: IoSource,
  inFd: number,
  offset: number,
  count: number | null,
  progress: Progress,
): Promise<boolean> {
  const position = Buffer.alloc(8);
  position.writeBigInt64LE(BigInt(offset));
  for (;;) {
    const want = count === null ? BLOCK : Math.min(BLOCK, count - progress.sent);
    if (want <= 0) return false;
    const r = sys.sendfile(source.openFd("sendfile"), inFd, position, want);
    if (r === 0) return false;
    if (r > 0) {
      progress.sent += r;
      continue;
    }
    if (r === -E.EINTR) continue;
    if (r === -E.EAGAIN) {
      await writable(source, progress);
      continue;
    }
    if (progress.sent === 0) return true;
    throw errorFromResult(r, "sendfile");
  }
}

/** Reads and sends, block by block from `offset` + what was sent: for files sendfile(2) cannot read from. */
async function withReads(
  source: IoSource,
  inFd: number,
  offset: number,
  count: number | null,
  seekable: boolean,
  progress: Progress,
): Promise<void> {
  const block = Buffer.allocUnsafe(count === null ? FALLBACK_BLOCK : Math.min(FALLBACK_BLOCK, count));
  for (;;) {
    const want = count === null ? block.length : Math.min(block.length, count - progress.sent);
    if (want <= 0) return;
    const n = seekable ? sys.pread(inFd, block, want, offset + progress.sent) : sys.read(inFd, block, want);
    if (n === -E.EINTR) continue;
    if (n < 0) throw errorFromResult(n, "read");
    if (n === 0) return;
    try {
      await source.sendall(block.subarray(0, n), 0, progress.signal);
    } catch (err) {
      if (err instanceof AbortError) err.bytesSent = progress.sent + (err.bytesSent ?? 0);
      throw err;
    }
    progress.sent += n;
  }
}
