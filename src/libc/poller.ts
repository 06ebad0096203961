// The readiness driver: libuv's uv_poll on Node's own event loop, reached through koffi. One registration per fd;
// callers follow the mio/tokio loop (try the syscall, on EAGAIN wait here, try again), so readiness is a hint and
// a spurious wake-up costs one EAGAIN.
//
// Design. The poll callback runs on the main thread inside the loop's poll phase, and promises it resolves
// continue when that phase's batch of callbacks ends, before the loop polls again. A handle is started with the
// union of its waiters' interests and left started while waiters come and go: uv_poll_start costs two epoll_ctl
// calls, and an echo loop re-waits for the same interest at once. It is narrowed only when it fires for an
// interest nobody waits for (level-triggered, it would fire again). Liveness follows Python: the handle is
// ref'd exactly while someone waits, so a process with open but idle sockets may exit.

import { E } from "./errno.js";
import { badFileDescriptor, OSError } from "./errors.js";
import { atDeadline, type DeadlineTimer } from "./deadline.js";
import { koffi } from "./koffi.js";
import { loadSyscalls, sys, type Address } from "./syscalls.js";

export const READABLE = 1;
export const WRITABLE = 2;
export type Interest = typeof READABLE | typeof WRITABLE;

const UV_READABLE = 1;
const UV_WRITABLE = 2;
const UV_DISCONNECT = 4;
const UV_POLL = 8;

interface Waiter {
  interest: Interest;
  resolve: (ready: boolean) => void;
  timer: DeadlineTimer | null;
  signal: AbortSignal | null;
  onAbort: (() => void) | null;
}

interface Driver {
  loop: Address;
  handleSize: number;
  pollCallback: unknown;
  closeCallback: unknown;
  byHandle: Map<Address, Registration>;
  byFd: Map<number, Registration>;
}

let driver: Driver | null = null;
/** Poll callbacks run so far: a new value means the event loop has been round to its poll phase again. */
let wakes = 0;

/** How many poll callbacks have run: src/socket/turns.ts starts a new turn's budget when it changes. */
export function wakeCount(): number {
  return wakes;
}

function getDriver(): Driver {
  if (driver !== null) return driver;
  loadSyscalls();
  const k = koffi();
  const byHandle = new Map<Address, Registration>();
  const pollCallback = k.register((handle: Address, status: number, events: number) => {
    wakes++;
    byHandle.get(handle)?.dispatch(status, events);
  }, k.pointer("socketkit_uv_poll_cb"));
  const closeCallback = k.register((handle: Address) => sys.free(handle), k.pointer("socketkit_uv_close_cb"));
  driver = {
    loop: sys.uvDefaultLoop(),
    handleSize: sys.uvHandleSize(UV_POLL),
    pollCallback,
    closeCallback,
    byHandle,
    byFd: new Map(),
  };
  return driver;
}

/** The registration for `fd`, shared by every Socket object that wraps the same descriptor number. */
export function registrationFor(fd: number): Registration {
  const d = getDriver();
  let registration = d.byFd.get(fd);
  if (registration === undefined) {
    registration = new Registration(d, fd);
    d.byFd.set(fd, registration);
  }
  return registration;
}

/**
 * Takes `fd` out of the loop before it is closed or handed away, whoever registered it (the socket itself, or a
 * selector watching it): libuv must never watch an fd number that may be reused.
 */
export function forgetFd(fd: number): void {
  driver?.byFd.get(fd)?.close();
}

/** How many fds have a registration: for leak tests. */
export function registeredCount(): number {
  return driver?.byFd.size ?? 0;
}

/** How many calls wait for readiness now, over every fd: for tests that a cancelled wait left nothing behind. */
export function waiterCount(): number {
  let n = 0;
  for (const registration of driver?.byFd.values() ?? []) n += registration.waiting;
  return n;
}

/** One fd's membership in the event loop. */
export class Registration {
  private handle: Address = 0;
  /** The interests the uv_poll handle is started with. */
  private mask = 0;
  private referenced = true;
  private waiters: Waiter[] = [];
  private closed = false;

  constructor(
    private readonly driver: Driver,
    readonly fd: number,
  ) {}

  /** How many calls wait on this fd now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** True once close() ran: the fd left the loop (its owner closed it, or a selector let go of a raw fd). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Resolves true once the fd may be ready for `interest`, or false when `deadline` (a performance.now() time)
   * passes or `signal` aborts first. Rejects only when libuv refuses to watch the fd at all.
   */
  wait(interest: Interest, deadline: number | null, signal?: AbortSignal): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      const failure = this.watch(interest);
      if (failure !== null) return reject(failure);
      const waiter: Waiter = { interest, resolve, timer: null, signal: signal ?? null, onAbort: null };
      if (deadline !== null) waiter.timer = atDeadline(deadline, () => this.expire(waiter));
      if (signal) {
        waiter.onAbort = () => this.expire(waiter);
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** From the poll callback: wake the waiters the events satisfy, and narrow the handle if it fired for nobody. */
  dispatch(status: number, events: number): void {
    if (status < 0) {
      // libuv stopped the handle (POLLERR); every waiter retries its syscall and meets the error there.
      this.mask = 0;
      this.settle(this.waiters.splice(0), true);
      return;
    }
    const fired = (events & (UV_READABLE | UV_DISCONNECT) ? READABLE : 0) | (events & UV_WRITABLE ? WRITABLE : 0);
    let woke = 0;
    let still = 0;
    const woken: Waiter[] = [];
    const kept: Waiter[] = [];
    for (const w of this.waiters) {
      if (fired & w.interest) {
        woken.push(w);
        woke |= w.interest;
      } else {
        kept.push(w);
        still |= w.interest;
      }
    }
    this.waiters = kept;
    if (fired & ~woke & ~still) this.start((this.mask & (woke | still)) | still);
    if (kept.length === 0) this.unref();
    this.settle(woken, true);
  }

  /** Leaves the loop (before the fd is closed) and wakes every waiter so that it sees the closed socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.driver.byFd.get(this.fd) === this) this.driver.byFd.delete(this.fd);
    if (this.handle !== 0) {
      this.driver.byHandle.delete(this.handle);
      // uv_close stops the handle and removes the fd from epoll now; the memory is freed in the close callback.
      sys.uvClose(this.handle, this.driver.closeCallback);
      this.handle = 0;
    }
    this.settle(this.waiters.splice(0), true);
  }

  /** Makes sure the handle exists, is started for `interest` and keeps the loop alive; an error if libuv refuses. */
  private watch(interest: Interest): OSError | null {
    if (this.handle === 0) {
      const handle = sys.malloc(this.driver.handleSize);
      const r = sys.uvPollInitSocket(this.driver.loop, handle, this.fd);
      if (r < 0) {
        sys.free(handle);
        return r === -E.EBADF ? badFileDescriptor("poll") : OSError.fromErrno(-r, { syscall: "uv_poll_init" });
      }
      this.handle = handle;
      this.driver.byHandle.set(handle, this);
    }
    if ((this.mask & interest) !== interest) {
      const r = this.start(this.mask | interest);
      if (r < 0) return OSError.fromErrno(-r, { syscall: "uv_poll_start" });
    }
    if (!this.referenced) {
      sys.uvRef(this.handle);
      this.referenced = true;
    }
    return null;
  }

  private start(mask: number): number {
    const events = (mask & READABLE ? UV_READABLE : 0) | (mask & WRITABLE ? UV_WRITABLE : 0);
    const r = mask === 0 ? sys.uvPollStop(this.handle) : sys.uvPollStart(this.handle, events, this.driver.pollCallback);
    if (r >= 0) this.mask = mask;
    return r;
  }

  private unref(): void {
    if (this.referenced && this.handle !== 0) {
      sys.uvUnref(this.handle);
      this.referenced = false;
    }
  }

  private expire(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    if (this.waiters.length === 0) this.unref();
    this.settle([waiter], false);
  }

  private settle(waiters: Waiter[], ready: boolean): void {
    for (const w of waiters) {
      w.timer?.cancel();
      if (w.onAbort !== null) w.signal?.removeEventListener("abort", w.onAbort);
      w.resolve(ready);
    }
  }
}
