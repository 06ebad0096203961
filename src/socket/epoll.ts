// Python's select.epoll: a real epoll instance (src/libc/epoll.ts), whose poll() asks the kernel without waiting
// and otherwise waits for the epoll fd itself to turn readable on Node's event loop, so it never blocks the loop.

import * as C from "../libc/constants.js";
import { positional, signalOf, throwIfAborted, type WaitOptions } from "./abort.js";
import { deadlineFor, secondsLeft } from "../libc/deadline.js";
import { epollControl, epollCreate, epollWaitNow } from "../libc/epoll.js";
import { loadSyscalls } from "../libc/syscalls.js";
import { checkResult, errorFromResult, OSError } from "./errors.js";
import { asFileDescriptor } from "./file-descriptor.js";
import { POLLIN, releaseRawFd, waitReady } from "./readiness.js";
import type { FileObject } from "./selectors.js";

/** Python's maxevents default (-1): FD_SETSIZE - 1 events per poll. */
const DEFAULT_MAXEVENTS = 1023;
const DEFAULT_MASK = C.EPOLLIN | C.EPOLLPRI | C.EPOLLOUT;

function checkSizehint(sizehint: number): void {
  if (typeof sizehint !== "number" || !Number.isInteger(sizehint))
    throw new TypeError(`sizehint must be an integer, got ${String(sizehint)}`);
  if (sizehint !== -1 && sizehint <= 0) throw new RangeError("negative sizehint");
}

/** Python's timeout for epoll.poll, in seconds: null or negative waits as long as it takes. */
function pollTimeout(timeout: number | null): number | null {
  if (timeout === null) return null;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) throw new TypeError("timeout must be an integer or None");
  return timeout < 0 ? null : timeout;
}

function checkMaxevents(maxevents: number): number {
  if (typeof maxevents !== "number" || !Number.isInteger(maxevents))
    throw new TypeError(`maxevents must be an integer, got ${String(maxevents)}`);
  if (maxevents === -1) return DEFAULT_MAXEVENTS;
  if (maxevents <= 0) throw new RangeError(`maxevents must be greater than 0, got ${maxevents}`);
  return Math.min(maxevents, C.INT_MAX);
}

/**
 * Python's select.epoll(sizehint, flags): an epoll instance, always close-on-exec. `poll()` returns a promise of
 * [fd, events] pairs; with timeout 0 it only looks (the kernel answers at once), otherwise it waits on Node's
 * event loop, so edge-triggered (EPOLLET) and one-shot (EPOLLONESHOT) registrations behave as the kernel says.
 * @example
 * using ep = select.epoll();
 * ep.register(sock, select.EPOLLIN);
 * for (const [fd, events] of await ep.poll(1)) …
 */
export class Epoll {
  private fd: number;

  constructor(sizehint = -1, flags = 0) {
    checkSizehint(sizehint);
    // Python accepts only 0 or EPOLL_CLOEXEC, which it sets anyway.
    if (flags !== 0 && flags !== C.EPOLL_CLOEXEC) throw new OSError(null, "invalid flags");
    this.fd = checkResult(epollCreate(), "epoll_create1");
  }

  /** Python's epoll.fromfd(fd): an epoll object that owns an existing epoll fd (and closes it). */
  static fromfd(fd: number): Epoll {
    const ep = Object.create(Epoll.prototype) as Epoll;
    ep.fd = asFileDescriptor(fd);
    return ep;
  }

  /** True once close() ran. */
  get closed(): boolean {
    return this.fd < 0;
  }

  /** The epoll fd. @throws RangeError once closed */
  fileno(): number {
    return this.checkOpen();
  }

  /** Watches `fd` for `eventmask`. @throws FileExistsError when it is registered already */
  register(fd: FileObject, eventmask: number = DEFAULT_MASK): void {
    this.control(C.EPOLL_CTL_ADD, fd, eventmask);
  }

  /** Changes what `fd` is watched for. @throws FileNotFoundError when it is not registered */
  modify(fd: FileObject, eventmask: number): void {
    this.control(C.EPOLL_CTL_MOD, fd, eventmask);
  }

  /** Stops watching `fd`. @throws FileNotFoundError when it is not registered */
  unregister(fd: FileObject): void {
    this.control(C.EPOLL_CTL_DEL, fd, 0);
  }

  /**
   * Resolves with [fd, events] for up to `maxevents` ready fds as soon as there are any, or [] once `timeout`
   * seconds pass (null or negative: no limit; 0: look once). Aborting `signal` rejects with AbortError.
   * @throws RangeError once closed (also when closed during the wait)
   */
  async poll(
    timeoutOrOptions: number | null | WaitOptions = null,
    maxeventsOrOptions?: number | WaitOptions,
    options?: WaitOptions,
  ): Promise<[number, number][]> {
    const signal = signalOf(timeoutOrOptions, maxeventsOrOptions, options);
    const timeout = positional(timeoutOrOptions, null);
    const max = checkMaxevents(positional(maxeventsOrOptions, -1));
    throwIfAborted(signal);
    const deadline = deadlineFor(pollTimeout(timeout));
    const self = new Map([[this.checkOpen(), POLLIN]]);
    for (;;) {
      const ready = epollWaitNow(this.checkOpen(), max);
      if (typeof ready === "number") throw errorFromResult(ready, "epoll_wait");
      if (ready.length > 0 || (deadline !== null && secondsLeft(deadline) === 0)) return ready;
      // The epoll fd is readable while it has an event to report: wait for that, then ask it again.
      if ((await waitReady(self, secondsLeft(deadline), signal)).length === 0 && !this.closed) return [];
    }
  }

  /** Closes the epoll fd; safe to call again. */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    releaseRawFd(fd);
    loadSyscalls().close(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private control(op: number, fileobj: FileObject, eventmask: number): void {
    const epfd = this.checkOpen();
    const fd = asFileDescriptor(fileobj);
    if (typeof eventmask !== "number" || !Number.isInteger(eventmask))
      throw new TypeError(`eventmask must be an integer, got ${String(eventmask)}`);
    checkResult(epollControl(epfd, op, fd, eventmask), "epoll_ctl");
  }

  private checkOpen(): number {
    if (this.fd < 0) throw new RangeError("I/O operation on closed epoll object");
    return this.fd;
  }
}

/** Python's select.epoll(sizehint, flags), and its epoll.fromfd(fd). */
export const epoll = Object.assign((sizehint = -1, flags = 0): Epoll => new Epoll(sizehint, flags), {
  fromfd: (fd: number): Epoll => Epoll.fromfd(fd),
});
