// The readiness reactor: one epoll instance for every socket that waits outside libuv (listeners in accept,
// sockets in connect, datagram sockets), and one worker thread blocked in epoll_wait on it.
//
// Design. Interest is registered with EPOLLONESHOT from the main thread (epoll_ctl is safe while another thread
// waits), so each readiness is reported once and re-armed only while someone still waits. The worker posts
// (token, events) pairs; tokens rather than fds name registrations, so an event for a closed fd whose number
// was reused finds no registration and is dropped. Callers follow the tokio loop: try the syscall, on EAGAIN
// wait here, try again; a spurious wake-up costs one EAGAIN. One thread serves any number of waiting sockets,
// the libuv thread pool is never used, and an idle wait costs no CPU. The worker is ref'd only while someone
// waits, and woken through an eventfd at exit so that Node can join it. While the event loop is busy anyway,
// the main thread also takes ready events itself (peek, from the stream paths during long bursts of callbacks),
// so a saturated machine does not delay them.

import { Worker } from "node:worker_threads";
import {
  EFD_CLOEXEC,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLRDHUP,
} from "./constants.js";
import { lastErrno, libc } from "./koffi.js";

// struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes).
const EVENT_SIZE = process.arch === "x64" ? 12 : 16;
const DATA_OFFSET = process.arch === "x64" ? 4 : 8;
const MAX_EVENTS = 256;
const WAKE_TOKEN = 0;
/** Milliseconds between the main thread's own non-blocking looks at the epoll set while the loop is busy. */
const PEEK_INTERVAL = 0.5;

export type Interest = typeof EPOLLIN | typeof EPOLLOUT;

interface Waiter {
  interest: Interest;
  resolve: (ready: boolean) => void;
  timer: NodeJS.Timeout | null;
}

interface EpollCalls {
  create1: (flags: number) => number;
  wait: (epfd: number, events: Buffer, max: number, timeout: number) => number;
  ctl: (epfd: number, op: number, fd: number, event: Buffer | null) => number;
  eventfd: (initval: number, flags: number) => number;
  write: (fd: number, buf: Buffer, len: number) => number;
}

/** One socket's membership in the reactor. */
export class Registration {
  private waiters: Waiter[] = [];
  private added = false;
  private armed = 0;
  private closed = false;

  constructor(
    private readonly reactor: Reactor,
    readonly fd: number,
    readonly token: number,
  ) {}

  /**
   * Resolves true once the fd may be ready for `interest`, or false when `deadline` (a performance.now() time)
   * passes or `signal` aborts first. Readiness is a hint: the caller retries its syscall and waits again on EAGAIN.
   */
  wait(interest: Interest, deadline: number | null, signal?: AbortSignal): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = { interest, resolve, timer: null };
      if (deadline !== null) {
        waiter.timer = setTimeout(() => this.expire(waiter), Math.max(0, deadline - performance.now()));
      }
      if (signal) {
        const onAbort = () => this.expire(waiter);
        signal.addEventListener("abort", onAbort, { once: true });
        waiter.resolve = (ready) => {
          signal.removeEventListener("abort", onAbort);
          resolve(ready);
        };
      }
      this.waiters.push(waiter);
      this.reactor.waitersChanged(1);
      this.arm();
    });
  }

  /** Called by the reactor with the events epoll reported; the one-shot registration is now disarmed. */
  dispatch(events: number): void {
    this.armed = 0;
    const readable = (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) !== 0;
    const writable = (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) !== 0;
    const still: Waiter[] = [];
    const woken: Waiter[] = [];
    for (const w of this.waiters) {
      if ((w.interest === EPOLLIN && readable) || (w.interest === EPOLLOUT && writable)) woken.push(w);
      else still.push(w);
    }
    this.waiters = still;
    if (still.length > 0) this.arm();
    this.settle(woken, true);
  }

  /** Leaves the epoll set (before the fd is closed) and wakes every waiter so that it sees the closed socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.added) this.reactor.ctl(EPOLL_CTL_DEL, this.fd, 0, this.token);
    this.reactor.forget(this.token);
    const woken = this.waiters;
    this.waiters = [];
    this.settle(woken, true);
  }

  private expire(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    waiter.timer = null;
    this.settle([waiter], false);
  }

  private settle(waiters: Waiter[], ready: boolean): void {
    if (waiters.length === 0) return;
    this.reactor.waitersChanged(-waiters.length);
    for (const w of waiters) {
      if (w.timer !== null) clearTimeout(w.timer);
      w.resolve(ready);
    }
  }

  private arm(): void {
    let interest = 0;
    for (const w of this.waiters) interest |= w.interest;
    if (interest === 0 || (this.armed & interest) === interest) return;
    const ok = this.reactor.ctl(this.added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, this.fd, interest, this.token);
    if (!ok) {
      // epoll refused the fd (closed under us, say): wake everyone so the retried syscall reports why.
      const woken = this.waiters;
      this.waiters = [];
      this.settle(woken, true);
      return;
    }
    this.added = true;
    this.armed = interest;
  }
}

/** The process-wide reactor. Obtain it with `Reactor.get()`. */
export class Reactor {
  private static instance: Reactor | null = null;
  private readonly registrations = new Map<number, Registration>();
  private readonly event = Buffer.alloc(EVENT_SIZE);
  private nextToken = 1;
  private waiting = 0;
  private worker: Worker | null = null;
  private readonly stopFlag = new SharedArrayBuffer(4);
  private readonly peekEvents = Buffer.alloc(EVENT_SIZE * MAX_EVENTS);
  private lastPeek = 0;
  private startupPoll: NodeJS.Timeout | null = null;

  private constructor(
    private readonly calls: EpollCalls,
    private readonly epfd: number,
    private readonly wakeFd: number,
  ) {}

  static get(): Reactor {
    if (Reactor.instance === null) {
      const c = libc();
      const calls: EpollCalls = {
        create1: c.func("int epoll_create1(int)") as EpollCalls["create1"],
        wait: c.func("int epoll_wait(int, void *, int, int)") as EpollCalls["wait"],
        ctl: c.func("int epoll_ctl(int, int, int, void *)") as EpollCalls["ctl"],
        eventfd: c.func("int eventfd(unsigned int, int)") as EpollCalls["eventfd"],
        write: c.func("long write(int, const void *, unsigned long)") as EpollCalls["write"],
      };
      const epfd = calls.create1(EPOLL_CLOEXEC);
      if (epfd < 0) throw new Error(`epoll_create1 failed with errno ${lastErrno()}`);
      const wakeFd = calls.eventfd(0, EFD_CLOEXEC);
      if (wakeFd < 0) throw new Error(`eventfd failed with errno ${lastErrno()}`);
      const reactor = new Reactor(calls, epfd, wakeFd);
      reactor.ctl(EPOLL_CTL_ADD, wakeFd, EPOLLIN, WAKE_TOKEN, false);
      Reactor.instance = reactor;
    }
    return Reactor.instance;
  }

  /** Makes a registration for `fd`; it joins the epoll set on its first wait. */
  register(fd: number): Registration {
    const token = this.nextToken;
    this.nextToken = this.nextToken >= 0xfffffffe ? 1 : this.nextToken + 1;
    const registration = new Registration(this, fd, token);
    this.registrations.set(token, registration);
    return registration;
  }

  /** @internal */
  ctl(op: number, fd: number, interest: number, token: number, oneShot = true): boolean {
    const ev = this.event;
    ev.writeUInt32LE((interest | (oneShot ? EPOLLONESHOT : 0)) >>> 0, 0);
    ev.writeUInt32LE(token, DATA_OFFSET);
    ev.writeUInt32LE(0, DATA_OFFSET + 4);
    return this.calls.ctl(this.epfd, op, fd, ev) === 0;
  }

  /** @internal */
  forget(token: number): void {
    this.registrations.delete(token);
  }

  /** @internal Keeps the process alive exactly while some socket waits. */
  waitersChanged(delta: number): void {
    const before = this.waiting;
    this.waiting += delta;
    if (before === 0 && this.waiting > 0) this.ensureWorker().ref();
    else if (before > 0 && this.waiting === 0) this.worker?.unref();
  }

  /**
   * While the main thread is busy, the worker's wake-up can be late: on a saturated machine it waits for a core.
   * So the busy paths (a stream's data arriving, a new stream being set up) call this to ask epoll directly,
   * without blocking, at most every PEEK_INTERVAL ms. An idle loop never peeks: the worker wakes it.
   */
  peekIfDue(): void {
    if (this.waiting === 0) return;
    const now = performance.now();
    if (now - this.lastPeek < PEEK_INTERVAL) return;
    this.lastPeek = now;
    this.peek();
  }

  /** The reactor if one exists: for callers on busy paths that should not create it. */
  static existing(): Reactor | null {
    return Reactor.instance;
  }

  private peek(): void {
    const n = this.calls.wait(this.epfd, this.peekEvents, MAX_EVENTS, 0);
    for (let i = 0; i < n; i++) {
      const token = this.peekEvents.readUInt32LE(i * EVENT_SIZE + DATA_OFFSET);
      if (token !== WAKE_TOKEN) this.registrations.get(token)?.dispatch(this.peekEvents.readUInt32LE(i * EVENT_SIZE));
    }
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(new URL("./reactor-thread.cjs", import.meta.url), {
      workerData: {
        epfd: this.epfd,
        stopFlag: this.stopFlag,
        eventSize: EVENT_SIZE,
        dataOffset: DATA_OFFSET,
        maxEvents: MAX_EVENTS,
      },
      // The worker needs no loader: it is plain CommonJS.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    worker.on("message", (batch: Uint32Array | { fatal: number } | { ready: true }) => {
      if (batch instanceof Uint32Array) this.deliver(batch);
      else if ("ready" in batch) this.workerStarted();
      else process.emitWarning(`socketkit reactor stopped: epoll_wait failed with errno ${batch.fatal}`);
    });
    // A worker takes tens of milliseconds to start (a new V8 isolate, koffi loaded again); until it waits in
    // epoll, the main thread looks at the epoll set itself every millisecond, so the first connections of a
    // freshly started server are taken as soon as they arrive.
    this.startupPoll = setInterval(() => this.peek(), 1);
    this.startupPoll.unref();
    worker.on("error", (err) => process.emitWarning(`socketkit reactor thread failed: ${String(err)}`));
    process.once("exit", () => this.stopWorker());
    this.worker = worker;
    return worker;
  }

  private workerStarted(): void {
    if (this.startupPoll !== null) clearInterval(this.startupPoll);
    this.startupPoll = null;
  }

  /** Starts the waiting thread ahead of the first wait (a listening socket will wait soon). */
  warmUp(): void {
    this.ensureWorker().unref();
    if (this.waiting > 0) this.worker!.ref();
  }

  private deliver(batch: Uint32Array): void {
    for (let i = 0; i < batch.length; i += 2) this.registrations.get(batch[i]!)?.dispatch(batch[i + 1]!);
  }

  private stopWorker(): void {
    // Node joins worker threads at exit; one blocked in epoll_wait must be woken first.
    Atomics.store(new Int32Array(this.stopFlag), 0, 1);
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    this.calls.write(this.wakeFd, one, 8);
  }
}
