// Python's OSError family: one base class carrying errno, code and strerror, and the subclasses Python picks by
// errno (ConnectionRefusedError for ECONNREFUSED, …). It lives at the bottom so that libc, kernel and lab raise
// the same typed errors as the socket layer. Messages read as Python's: "[Errno 111] Connection refused".

import { E, errnoName, strerror } from "./errno.js";

/** Where an error happened: the system call, kept as `syscall` beside Python's message. */
export interface ErrorContext {
  // `| undefined` so that callers with exactOptionalPropertyTypes may pass { syscall } when it is unknown.
  syscall?: string | undefined;
}

/**
 * A failed system call, as Python's OSError. `errno` is the kernel's number, `code` its symbolic name, `strerror`
 * libc's text. An error without an errno ("timed out", "illegal IP address string passed to inet_aton") is
 * Python's one-argument OSError(message): errno and strerror are null and the message is the text given.
 */
export class OSError extends Error {
  readonly errno: number | null;
  readonly code: string | undefined;
  readonly strerror: string | null;
  readonly syscall: string | undefined;

  constructor(errno: number | null, strerror: string | null, context: ErrorContext = {}) {
    super(errno === null ? (strerror ?? "") : `[Errno ${errno}] ${strerror}`);
    this.name = new.target.name;
    this.errno = errno;
    // Python keeps strerror only beside an errno: OSError("text") has strerror None and str() the text.
    this.strerror = errno === null ? null : strerror;
    this.code = errno === null ? undefined : errnoName(errno);
    this.syscall = context.syscall;
  }

  /** The Python class for `errno` with a message of the caller's, as Python's OSError(errno, strerror). */
  static withMessage(errno: number, strerror: string, context: ErrorContext = {}): OSError {
    const Class = SUBCLASS_BY_ERRNO.get(errno) ?? OSError;
    return new Class(errno, strerror, context);
  }

  /** The Python class for `errno`, built with libc's message. */
  static fromErrno(errno: number, context: ErrorContext = {}): OSError {
    const Class = SUBCLASS_BY_ERRNO.get(errno) ?? OSError;
    return new Class(errno, strerror(errno), context);
  }
}

export class BlockingIOError extends OSError {}
export class ConnectionError extends OSError {}
export class BrokenPipeError extends ConnectionError {}
export class ConnectionAbortedError extends ConnectionError {}
export class ConnectionRefusedError extends ConnectionError {}
export class ConnectionResetError extends ConnectionError {}
export class FileExistsError extends OSError {}
export class FileNotFoundError extends OSError {}
export class InterruptedError extends OSError {}
export class IsADirectoryError extends OSError {}
export class NotADirectoryError extends OSError {}
export class PermissionError extends OSError {}

/** A kernel ETIMEDOUT, or Python's socket.timeout (errno null, message "timed out") from `timedOut()`. */
export class TimeoutError extends OSError {}

/** Python's socket.gaierror: getaddrinfo or getnameinfo failed; errno is the negative EAI_* code. */
export class GaiError extends OSError {}

/** Python's socket.herror: a host-database lookup failed; errno is h_errno ("[Errno 1] Unknown host"). */
export class HError extends OSError {}

const SUBCLASS_BY_ERRNO = new Map<number, new (errno: number, strerror: string, context?: ErrorContext) => OSError>([
  [E.EAGAIN, BlockingIOError],
  [E.EALREADY, BlockingIOError],
  [E.EINPROGRESS, BlockingIOError],
  [E.EPIPE, BrokenPipeError],
  [E.ESHUTDOWN, BrokenPipeError],
  [E.ECONNABORTED, ConnectionAbortedError],
  [E.ECONNREFUSED, ConnectionRefusedError],
  [E.ECONNRESET, ConnectionResetError],
  [E.EEXIST, FileExistsError],
  [E.ENOENT, FileNotFoundError],
  [E.EINTR, InterruptedError],
  [E.EISDIR, IsADirectoryError],
  [E.ENOTDIR, NotADirectoryError],
  [E.EACCES, PermissionError],
  [E.EPERM, PermissionError],
  [E.ETIMEDOUT, TimeoutError],
]);

/** The OSError for a negative return value from src/libc (which is -errno). */
export function errorFromResult(result: number, syscall?: string): OSError {
  return OSError.fromErrno(-result, syscall === undefined ? {} : { syscall });
}

/** Returns a non-negative result; throws the OSError for -errno. */
export function checkResult(result: number, syscall: string): number {
  if (result < 0) throw OSError.fromErrno(-result, { syscall });
  return result;
}

/** Python's socket.timeout: a socket timeout ran out before the operation could finish. */
export function timedOut(syscall?: string): TimeoutError {
  return new TimeoutError(null, "timed out", syscall === undefined ? {} : { syscall });
}

/** "[Errno 9] Bad file descriptor": every operation on a closed socket. */
export function badFileDescriptor(syscall?: string): OSError {
  return OSError.fromErrno(E.EBADF, syscall === undefined ? {} : { syscall });
}

/** Python's names for the same classes: socket.error is OSError, socket.timeout is TimeoutError. */
export { OSError as error, TimeoutError as timeout, HError as herror, GaiError as gaierror };
