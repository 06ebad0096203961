// Python's select module: select.select() and select.poll(), answered by poll(2) and awaited on Node's event
// loop (src/socket/readiness.ts), so a call that waits never blocks the loop; select.epoll lives in epoll.ts.

import { E } from "../libc/errno.js";
import { positional, signalOf, type WaitOptions } from "./abort.js";
import { OSError } from "./errors.js";
import {
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  POLLPRI,
  POLLRDBAND,
  POLLRDNORM,
  POLLWRBAND,
  POLLWRNORM,
  releaseRawFd,
  waitReady,
} from "./readiness.js";
import { asFileDescriptor } from "./file-descriptor.js";
import { KeyError, type FileObject } from "./selectors.js";

// What select(2) counts as readable, writable and exceptional, in poll(2)'s terms (fs/select.c).
const READ_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const WRITE_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const EXCEPT_SET = POLLPRI;

/**
 * Python's select.select(rlist, wlist, xlist, timeout): resolves with the objects of each list that are ready,
 * once any is, or three empty lists when `timeout` seconds pass (null waits as long as it takes). Aborting
 * `signal` rejects with AbortError and ends the wait.
 * @throws TypeError for an entry that is neither an fd nor has fileno(); RangeError for a negative fd
 */
export async function select<R extends FileObject, W extends FileObject, X extends FileObject>(
  rlist: readonly R[],
  wlist: readonly W[],
  xlist: readonly X[],
  timeoutOrOptions: number | null | WaitOptions = null,
  options?: WaitOptions,
): Promise<[R[], W[], X[]]> {
  const signal = signalOf(timeoutOrOptions, options);
  const timeout = positional(timeoutOrOptions, null);
  if (timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout)))
    throw new TypeError("timeout must be a number or null");
  if (timeout !== null && timeout < 0) throw new RangeError("timeout must be non-negative");
  const interests = new Map<number, number>();
  const add = (fd: number, events: number) => interests.set(fd, (interests.get(fd) ?? 0) | events);
  for (const r of rlist) add(asFileDescriptor(r), POLLIN);
  for (const w of wlist) add(asFileDescriptor(w), POLLOUT);
  for (const x of xlist) add(asFileDescriptor(x), POLLPRI);
  const ready = new Map(await waitReady(interests, timeout, signal));
  const pick = <T extends FileObject>(list: readonly T[], set: number) =>
    list.filter((o) => ((ready.get(asFileDescriptor(o)) ?? 0) & set) !== 0);
  return [pick(rlist, READ_SET), pick(wlist, WRITE_SET), pick(xlist, EXCEPT_SET)];
}

/** Python's select.poll() object: register fds with poll(2) event masks, then await poll(timeout in ms). */
export class Poll {
  private readonly masks = new Map<number, number>();

  register(fd: FileObject, eventmask: number = POLLIN | POLLPRI | POLLOUT): void {
    this.masks.set(asFileDescriptor(fd), eventmask & 0xffff);
  }

  /** @throws FileNotFoundError (ENOENT) when `fd` is not registered, as Python's does */
  modify(fd: FileObject, eventmask: number): void {
    const n = asFileDescriptor(fd);
    if (!this.masks.has(n)) throw OSError.fromErrno(E.ENOENT, { syscall: "modify" });
    this.masks.set(n, eventmask & 0xffff);
  }

  /** @throws KeyError when `fd` is not registered */
  unregister(fd: FileObject): void {
    const n = asFileDescriptor(fd);
    if (!this.masks.delete(n)) throw new KeyError(String(n));
    if (typeof fd === "number") releaseRawFd(n);
  }

  /**
   * Resolves with [fd, revents] pairs; `timeout` in milliseconds, null or negative waits as long as it takes.
   * Aborting `signal` rejects with AbortError and ends the wait.
   */
  async poll(timeoutOrOptions: number | null | WaitOptions = null, options?: WaitOptions): Promise<[number, number][]> {
    const signal = signalOf(timeoutOrOptions, options);
    const timeout = positional(timeoutOrOptions, null);
    const seconds = timeout === null || timeout < 0 ? null : timeout / 1000;
    return waitReady(this.masks, seconds, signal);
  }
}

export { Epoll, epoll } from "./epoll.js";

/** Python's select.error: OSError. */
export { OSError as error } from "./errors.js";

/** Python's select.poll(). */
export function poll(): Poll {
  return new Poll();
}

export {
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLMSG,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  POLLRDBAND,
  POLLRDHUP,
  POLLRDNORM,
  POLLWRBAND,
  POLLWRNORM,
} from "./readiness.js";

export {
  EPOLL_CLOEXEC,
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLMSG,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLPRI,
  EPOLLRDBAND,
  EPOLLRDHUP,
  EPOLLRDNORM,
  EPOLLWRBAND,
  EPOLLWRNORM,
  PIPE_BUF,
} from "../libc/constants.js";
