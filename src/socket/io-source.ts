// The fd engine under Socket, as Go's internal/poll.FD is under net.netFD: one kernel socket's descriptor, its
// registration with the readiness driver (src/libc/poller.ts) and every call on it that may wait. All I/O on the
// fd goes through here (mio's IoSource::do_io): a non-blocking syscall; on EAGAIN a wait for readiness within the
// deadline the timeout gives; the syscall again. Nothing is queued here: the kernel is the only buffer.

import * as C from "../libc/constants.js";
import { deadlineFor, hasPassed, type Deadline } from "../libc/deadline.js";
import { E } from "../libc/errno.js";
import { forgetFd, READABLE, registrationFor, WRITABLE, type Interest, type Registration } from "../libc/poller.js";
import { SOCKADDR_STORAGE_SIZE } from "../libc/sockaddr.js";
import { loadSyscalls, sys } from "../libc/syscalls.js";
import { fromSockaddr, type Address } from "./address.js";
import { abortError, gaveUpError, throwIfAborted } from "./abort.js";
import { checkInt } from "./arguments.js";
import { badFileDescriptor, checkResult, errorFromResult, timedOut } from "./errors.js";
import { recvmsgOnce, sendmsgOnce, type AncillaryItem, type ReceivedMessage } from "./messages.js";
import { getOption } from "./sockopt.js";
import { getdefaulttimeout } from "./timeout.js";
import { nextTurn, withinBudget } from "./turns.js";

/** What every socket socketkit makes is: non-blocking (nothing may block the event loop) and close-on-exec. */
export const TYPE_FLAGS = C.SOCK_NONBLOCK | C.SOCK_CLOEXEC;
/** Every transfer is non-blocking on its own, whatever O_NONBLOCK says (a detached fd may share it). */
const NOWAIT = C.MSG_DONTWAIT | C.MSG_NOSIGNAL;
/** One shared receive area: each call reads into it and copies out exactly what arrived before anything awaits. */
let scratch = Buffer.allocUnsafe(256 * 1024);
const EMPTY = Buffer.alloc(0);
/** Up to this many received bytes are copied out of the scratch area in a loop rather than by Buffer#copy. */
const SMALL_COPY = 128;
/** connect() to AF_UNSPEC dissolves a stream socket's association (connect(2)). */
const UNSPEC = Buffer.alloc(16);
/** How often an AF_UNIX connect retries while the listener's backlog is full (the kernel gives EAGAIN, no wakeup). */
const UNIX_CONNECT_RETRY_MS = 10;
// One sockaddr and its length for accept, recvfrom and the address calls, filled and decoded in one synchronous step.
const addrScratch = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
const lenScratch = Buffer.alloc(4);

/** One struct pollfd for the writability check a send with a timeout makes first. */
const pollfd = Buffer.alloc(8);
const POLLOUT = 0x004;

/**
 * Whether poll(2) calls `fd` writable now. A send with a timeout asks first, as CPython's sock_call does: TCP
 * reports writable only once a third of the send buffer is free, while send(2) takes bytes into any free space,
 * so without the question a second send on a still-full connection would take a few bytes where Python's waits.
 */
function writableNow(fd: number): boolean {
  pollfd.writeInt32LE(fd, 0);
  pollfd.writeInt32LE(POLLOUT, 4);
  let n: number;
  do n = sys.poll(pollfd, 1, 0);
  while (n === -E.EINTR);
  return n !== 0;
}

/** A result that is a failure: the negative errno a libc call returned. */
const failed = (r: unknown): r is number => typeof r === "number" && r < 0;
const nothing = (): void => undefined;
/** What a sendall() the kernel took at once resolves with: one settled promise serves every such call. */
const SENT = Promise.resolve();

/** The address in the sockaddr scratch after a call filled it; null when the kernel gave none. */
function scratchAddress(): Address | null {
  const len = lenScratch.readUInt32LE(0);
  return len === 0 ? null : fromSockaddr(addrScratch, len);
}

/** Copies `n` received bytes out of the scratch area; MSG_TRUNC may report more than arrived (zero-filled). */
function takeScratch(n: number, copied: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  const m = Math.min(n, copied);
  // A small chunk (an echo's, a line's) is copied byte by byte: Buffer#copy and subarray() each make a view object.
  if (m <= SMALL_COPY) for (let i = 0; i < m; i++) out[i] = scratch[i]!;
  else scratch.copy(out, 0, 0, m);
  if (n > copied) out.fill(0, copied);
  return out;
}

/** One accept4(2), retried past connections reset while queued; `adopt` makes the new fd its owner's object. */
function acceptOnce<S>(
  listener: IoSource,
  fd: number,
  adopt: (listener: IoSource, fd: number) => S,
): [S, Address] | number {
  for (;;) {
    lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
    const r = sys.accept4(fd, addrScratch, lenScratch, TYPE_FLAGS);
    // A connection reset while it sat in the queue is not this listener's failure: take the next one (Go does too).
    if (r === -E.ECONNABORTED || r === -E.EINTR) continue;
    if (r < 0) return r;
    // Decoded here, before any await, so that two listeners accepting at once keep their own addresses.
    return [adopt(listener, r), fromSockaddr(addrScratch, lenScratch.readUInt32LE(0))];
  }
}

/**
 * One socket's fd and everything that waits on it. `timeout` is Python's: null waits as long as it takes, 0 never
 * waits (BlockingIOError), a number of seconds bounds each call (TimeoutError). A call that times out has
 * transferred nothing more than it reported.
 */
export class IoSource {
  private _fd: number;
  private registration: Registration | null = null;

  /** Takes over `fd`, a non-blocking socket of this family, type (without flags) and protocol. */
  constructor(
    fd: number,
    readonly family: number,
    readonly type: number,
    readonly proto: number,
    public timeout: number | null,
  ) {
    this._fd = fd;
  }

  /** A new kernel socket; the kernel judges the arguments (EAFNOSUPPORT, EINVAL, EPROTONOSUPPORT, EPERM). */
  static open(family: number, type: number, proto: number, timeout: number | null): IoSource {
    const fd = checkResult(sys.socket(family, type | TYPE_FLAGS, proto), "socket");
    return new IoSource(fd, family, type, proto, timeout);
  }

  /**
   * The engine for Python's socket.socket(family, type, proto, fileno): a new kernel socket, or the caller's
   * `fileno`, whose family, type and proto are read from the kernel when not given.
   */
  static create(family?: number, type?: number, proto?: number, fileno?: number): IoSource {
    loadSyscalls();
    if (fileno !== undefined) {
      checkInt(fileno, "fileno", 0, C.INT_MAX);
      family ??= getOption(fileno, C.SOL_SOCKET, C.SO_DOMAIN) as number;
      type ??= getOption(fileno, C.SOL_SOCKET, C.SO_TYPE) as number;
      proto ??= getOption(fileno, C.SOL_SOCKET, C.SO_PROTOCOL) as number;
    }
    const af = checkInt(family ?? C.AF_INET, "family", C.INT_MIN, C.INT_MAX);
    const st = checkInt(type ?? C.SOCK_STREAM, "type", C.INT_MIN, C.INT_MAX);
    proto = checkInt(proto ?? 0, "proto", C.INT_MIN, C.INT_MAX);
    const kind = st & ~TYPE_FLAGS;
    const timeout = st & C.SOCK_NONBLOCK ? 0 : getdefaulttimeout();
    return fileno === undefined
      ? IoSource.open(af, kind, proto, timeout)
      : IoSource.wrap(fileno, af, kind, proto, timeout);
  }

  /** Takes over a caller's socket fd, made non-blocking: accept4 and connect have no per-call flag. */
  static wrap(fd: number, family: number, type: number, proto: number, timeout: number | null): IoSource {
    checkResult(sys.setNonblocking(fd, true), "fcntl");
    return new IoSource(fd, family, type, proto, timeout);
  }

  /** The file descriptor, or -1 once closed or released. */
  get fd(): number {
    return this._fd;
  }

  /** The fd for `syscall`; EBADF once closed. */
  openFd(syscall: string): number {
    if (this._fd < 0) throw badFileDescriptor(syscall);
    return this._fd;
  }

  /** Gives up the fd without closing it, out of the event loop first; -1 when it was gone already. */
  release(): number {
    const fd = this._fd;
    if (fd < 0) return -1;
    this._fd = -1;
    this.registration = null;
    forgetFd(fd);
    return fd;
  }

  /**
   * Closes the fd; safe to call again. Waiting calls wake and fail with EBADF. As Python's close(), an fd that was
   * closed behind the socket's back is reported (OSError EBADF); other errors of close(2) are not.
   */
  close(): void {
    const fd = this.release();
    if (fd >= 0 && sys.close(fd) === -E.EBADF) throw badFileDescriptor("close");
  }

  /** Releases the fd, left blocking when the timeout is null and non-blocking otherwise, as Python's detach(). */
  detach(): number {
    const fd = this.release();
    if (fd >= 0) sys.setNonblocking(fd, this.timeout !== null);
    return fd;
  }

  /** A new engine on a duplicate of the fd (close-on-exec, sharing O_NONBLOCK), with the same timeout. */
  dup(): IoSource {
    const fd = checkResult(sys.dup(this.openFd("dup")), "dup");
    return new IoSource(fd, this.family, this.type, this.proto, this.timeout);
  }

  /** What getsockname(2) or getpeername(2) says, or -errno (EBADF once closed). */
  address(call: (fd: number, addr: Buffer, len: Buffer) => number): Address | number {
    if (this._fd < 0) return -E.EBADF;
    lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
    const r = call(this._fd, addrScratch, lenScratch);
    return r < 0 ? r : fromSockaddr(addrScratch, lenScratch.readUInt32LE(0));
  }

  /** What getsockname(2) or getpeername(2) says, or undefined when the kernel refuses. */
  knownAddress(call: (fd: number, addr: Buffer, len: Buffer) => number): Address | undefined {
    const address = this.address(call);
    return typeof address === "number" ? undefined : address;
  }

  /** What getsockname(2) or getpeername(2) says, or the OSError for `syscall`. */
  addressOrThrow(call: (fd: number, addr: Buffer, len: Buffer) => number, syscall: string): Address {
    const address = this.address(call);
    if (typeof address === "number") throw errorFromResult(address, syscall);
    return address;
  }

  /** Resolves true once the fd may be ready for `interest`, false when `deadline` passes or `signal` aborts first. */
  wait(interest: Interest, deadline: Deadline, signal?: AbortSignal): Promise<boolean> {
    if (this.registration === null || this.registration.isClosed) this.registration = registrationFor(this._fd);
    return this.registration.wait(interest, deadline, signal);
  }

  /**
   * The mio/tokio loop every waiting call goes through: try the call; on EAGAIN wait for readiness (within the
   * timeout) and try again; EINTR is tried again at once. `first` is an attempt the caller already made on its
   * fast path. Written as a promise chain rather than an async function: a connection waiting in recv() then
   * holds no suspended frame here. `signal` ends the wait with an AbortError, as the timeout ends it.
   */
  io<T>(
    interest: Interest,
    syscall: string,
    flags: number,
    attempt: (fd: number) => T | number,
    first?: T | number,
    signal?: AbortSignal,
  ): Promise<T> {
    const deadline = deadlineFor(this.timeout);
    const dontWait = (flags & C.MSG_DONTWAIT) !== 0 || this.timeout === 0;
    if (interest === WRITABLE && this.asksFirst(flags)) {
      const send = attempt;
      attempt = (fd) => (writableNow(fd) ? send(fd) : -E.EAGAIN);
    }
    // One closure serves the first try and every wake-up (each closure a waiting call keeps costs ~60 bytes).
    const retry = (ready: boolean, tried?: T | number): T | Promise<T> => {
      if (!ready) throw gaveUpError(signal, () => timedOut(syscall));
      let r = tried === undefined ? attempt(this.openFd(syscall)) : tried;
      while (failed(r)) {
        if (r !== -E.EINTR) {
          if (r !== -E.EAGAIN || dontWait) throw errorFromResult(r, syscall);
          return this.wait(interest, deadline, signal).then(retry);
        }
        r = attempt(this.openFd(syscall));
      }
      return r;
    };
    try {
      if (first === undefined) {
        throwIfAborted(signal);
        // Past this turn's budget the first try waits for the next turn, and is then not counted again.
        if (!withinBudget()) return nextTurn().then(() => retry(!signal?.aborted));
      }
      return Promise.resolve(retry(true, first));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Whether a send asks poll(2) before it tries (a positive timeout and no MSG_DONTWAIT): see writableNow(). */
  private asksFirst(flags: number): boolean {
    return this.timeout !== null && this.timeout > 0 && (flags & C.MSG_DONTWAIT) === 0;
  }

  /** One send(2) that never waits; with a timeout only once poll(2) calls the socket writable. */
  private sendOnce(fd: number, data: Uint8Array, flags: number): number {
    if (this.asksFirst(flags) && !writableNow(fd)) return -E.EAGAIN;
    return sys.send(fd, data, data.length, flags | NOWAIT);
  }

  /** One attempt that never waits, whatever the timeout (EINTR tried again): null where it would have to. */
  now<T>(syscall: string, attempt: (fd: number) => T | number): T | null {
    let r = attempt(this.openFd(syscall));
    while (r === -E.EINTR) r = attempt(this.openFd(syscall));
    if (r === -E.EAGAIN) return null;
    if (failed(r)) throw errorFromResult(r, syscall);
    return r;
  }

  // --- accept and connect ----------------------------------------------------------------------------------------

  /** Waits for a connection and takes it off the accept queue; `adopt` wraps its fd in the synchronous step. */
  accept<S>(adopt: (listener: IoSource, fd: number) => S, signal?: AbortSignal): Promise<[S, Address]> {
    return this.io(READABLE, "accept", 0, (fd) => acceptOnce(this, fd, adopt), undefined, signal);
  }

  /** accept() that never waits: null when the queue is empty (no exception to build). */
  acceptNow<S>(adopt: (listener: IoSource, fd: number) => S): [S, Address] | null {
    return this.now("accept", (fd) => acceptOnce(this, fd, adopt));
  }

  /**
   * connect(2), and for a stream socket the handshake, within the timeout. Resolves with 0 or the errno
   * (EINPROGRESS with timeout 0; EAGAIN when the timeout ran out, unless `raiseTimeout`: then TimeoutError).
   */
  async connect(sockaddr: Buffer, raiseTimeout: boolean, signal?: AbortSignal): Promise<number> {
    const deadline = deadlineFor(this.timeout);
    for (;;) {
      throwIfAborted(signal);
      const r = sys.connect(this.openFd("connect"), sockaddr, sockaddr.length);
      if (r === 0) return 0;
      if (r === -E.EINTR) continue;
      if (r === -E.EAGAIN && this.family === C.AF_UNIX && this.timeout !== 0) {
        if (hasPassed(deadline)) return gaveUp(raiseTimeout);
        await new Promise((resolve) => setTimeout(resolve, UNIX_CONNECT_RETRY_MS));
        continue;
      }
      if (r !== -E.EINPROGRESS) return -r;
      if (this.timeout === 0) return E.EINPROGRESS;
      if (!(await this.wait(WRITABLE, deadline, signal))) {
        if (signal?.aborted) throw abortError(signal);
        return gaveUp(raiseTimeout);
      }
      return this.handshakeOutcome(sockaddr);
    }
  }

  /** The handshake's outcome, in SO_ERROR once the socket turned writable (connect(2), EINPROGRESS). */
  private handshakeOutcome(sockaddr: Buffer): number {
    const err = getOption(this.openFd("getsockopt"), C.SOL_SOCKET, C.SO_ERROR) as number;
    if (err !== 0) {
      // A blocking connect that fails leaves the socket unconnected, so the next connect() tries afresh (and is
      // refused again, not ECONNABORTED); with a timeout Python's socket is non-blocking and keeps that state.
      if (this.timeout === null) sys.connect(this._fd, UNSPEC, UNSPEC.length);
      return err;
    }
    // A second connect() moves the socket to "connected" as a blocking connect leaves it, so that a later
    // connect() fails with EISCONN as Python's does (the first one after an asynchronous success returns 0).
    sys.connect(this._fd, sockaddr, sockaddr.length);
    return 0;
  }

  // --- receiving -------------------------------------------------------------------------------------------------

  /** At most `bufsize` bytes as soon as any are there, at their exact size; an empty Buffer at EOF. */
  recv(bufsize: number, flags: number, signal?: AbortSignal): Promise<Buffer> {
    if (!signal?.aborted && !withinBudget()) return nextTurn().then(() => this.recvStart(bufsize, flags, signal));
    return this.recvStart(bufsize, flags, signal);
  }

  private recvStart(bufsize: number, flags: number, signal?: AbortSignal): Promise<Buffer> {
    throwIfAborted(signal);
    const first = this.receive(this.openFd("recv"), bufsize, flags, null);
    return failed(first) ? this.recvWaiting(bufsize, flags, first, signal) : Promise.resolve(first);
  }

  /** recv() past its first attempt: apart, so that the fast path makes no closure. */
  private recvWaiting(bufsize: number, flags: number, first: number, signal?: AbortSignal): Promise<Buffer> {
    return this.io(READABLE, "recv", flags, (fd) => this.receive(fd, bufsize, flags, null), first, signal);
  }

  /** Up to `len` bytes into `buffer`; resolves with the count. */
  recvInto(buffer: Uint8Array, len: number, flags: number, signal?: AbortSignal): Promise<number> {
    const attempt = (fd: number) => sys.recv(fd, buffer, len, flags | C.MSG_DONTWAIT);
    return this.io<number>(READABLE, "recv_into", flags, attempt, undefined, signal);
  }

  /** A datagram (or stream bytes) and the sender's address (null where the kernel gives none). */
  recvfrom(bufsize: number, flags: number, signal?: AbortSignal): Promise<[Buffer, Address | null]> {
    return this.io(READABLE, "recvfrom", flags, (fd) => this.receiveFrom(fd, bufsize, flags), undefined, signal);
  }

  /** recvfrom() that never waits: null when nothing is queued. */
  recvfromNow(bufsize: number): [Buffer, Address | null] | null {
    return this.now("recvfrom", (fd) => this.receiveFrom(fd, bufsize, 0));
  }

  /** As recvfrom(), into `buffer` (at most `len` bytes): resolves with [count, address]. */
  recvfromInto(
    buffer: Uint8Array,
    len: number,
    flags: number,
    signal?: AbortSignal,
  ): Promise<[number, Address | null]> {
    const attempt = (fd: number): [number, Address | null] | number => {
      lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
      const n = sys.recvfrom(fd, buffer, len, flags | C.MSG_DONTWAIT, addrScratch, lenScratch);
      return n < 0 ? n : [n, scratchAddress()];
    };
    return this.io(READABLE, "recvfrom_into", flags, attempt, undefined, signal);
  }

  /** One message of at most `bufsize` bytes, with up to `ancbufsize` bytes of ancillary data. */
  recvmsg(bufsize: number, ancbufsize: number, flags: number, signal?: AbortSignal): Promise<ReceivedMessage<Buffer>> {
    const attempt = (fd: number): ReceivedMessage<Buffer> | number => {
      const len = this.receiveLength(fd, bufsize);
      if (len < 0) return len;
      const got = recvmsgOnce(fd, [scratch.subarray(0, len)], ancbufsize, flags | C.MSG_DONTWAIT | C.MSG_CMSG_CLOEXEC);
      return failed(got) ? got : [takeScratch(got[0], len), got[1], got[2], got[3]];
    };
    return this.io(READABLE, "recvmsg", flags, attempt, undefined, signal);
  }

  /** One message scattered into `buffers`; received descriptors are close-on-exec. */
  recvmsgInto(
    buffers: readonly Uint8Array[],
    ancbufsize: number,
    flags: number,
    signal?: AbortSignal,
  ): Promise<ReceivedMessage<number>> {
    return this.io(READABLE, "recvmsg", flags, (fd) => messageInto(fd, buffers, ancbufsize, flags), undefined, signal);
  }

  /** recvmsgInto() that never waits, done when it returns: null when nothing is queued. */
  recvmsgNow(buffers: readonly Uint8Array[], ancbufsize: number, flags: number): ReceivedMessage<number> | null {
    return this.now("recvmsg", (fd) => messageInto(fd, buffers, ancbufsize, flags));
  }

  private receiveFrom(fd: number, bufsize: number, flags: number): [Buffer, Address | null] | number {
    const data = this.receive(fd, bufsize, flags, addrScratch);
    return failed(data) ? data : [data, scratchAddress()];
  }

  /**
   * One recv, or with `from` (the sockaddr scratch) a recvfrom, into the scratch area, copied out at its exact
   * size. The sender's address stays in the scratch for the caller to decode in the same synchronous step.
   */
  private receive(fd: number, bufsize: number, flags: number, from: Buffer | null): Buffer | number {
    const len = this.receiveLength(fd, bufsize);
    if (len < 0) return len;
    let n: number;
    if (from === null) {
      n = sys.recv(fd, scratch, len, flags | C.MSG_DONTWAIT);
    } else {
      lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
      n = sys.recvfrom(fd, scratch, len, flags | C.MSG_DONTWAIT, from, lenScratch);
    }
    if (n < 0) return n;
    return n === 0 ? EMPTY : takeScratch(n, len);
  }

  /**
   * How many bytes one receive may take into the scratch area: a stream gives what fits, a datagram larger than
   * the area would be cut short, so the area grows to its size (MSG_PEEK | MSG_TRUNC), never to `bufsize` itself.
   */
  private receiveLength(fd: number, bufsize: number): number {
    if (bufsize <= scratch.length || this.type === C.SOCK_STREAM) return Math.min(bufsize, scratch.length);
    const size = sys.recv(fd, scratch, 0, C.MSG_PEEK | C.MSG_TRUNC | C.MSG_DONTWAIT);
    if (size < 0) return size;
    if (size > scratch.length) scratch = Buffer.allocUnsafe(size);
    return Math.min(bufsize, size);
  }

  // --- sending ---------------------------------------------------------------------------------------------------

  /**
   * What one send took. Without a timeout a stream send waits until the kernel took all of `data`, as a blocking
   * send(2) does; with a timeout it returns what one send took once the socket was writable.
   */
  send(data: Uint8Array, flags: number, signal?: AbortSignal): Promise<number> {
    if (!signal?.aborted && !withinBudget()) return nextTurn().then(() => this.sendStart(data, flags, signal));
    return this.sendStart(data, flags, signal);
  }

  private sendStart(data: Uint8Array, flags: number, signal?: AbortSignal): Promise<number> {
    throwIfAborted(signal);
    const first = this.sendOnce(this.openFd("send"), data, flags);
    const whole = this.timeout === null && (flags & C.MSG_DONTWAIT) === 0 && this.type === C.SOCK_STREAM;
    if (first >= 0 && (first === data.length || !whole)) return Promise.resolve(first);
    if (whole) return this.sendAll(data, flags, first, "send", true, signal);
    return this.io(WRITABLE, "send", flags, (fd) => sys.send(fd, data, data.length, flags | NOWAIT), first, signal);
  }

  /**
   * Resolves once the kernel has every byte of `data`; the timeout bounds the whole call. Aborted, it rejects
   * with an AbortError whose `bytesSent` is what the kernel took.
   */
  sendall(data: Uint8Array, flags: number, signal?: AbortSignal): Promise<void> {
    if (!signal?.aborted && !withinBudget()) return nextTurn().then(() => this.sendallStart(data, flags, signal));
    return this.sendallStart(data, flags, signal);
  }

  private sendallStart(data: Uint8Array, flags: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const first = this.sendOnce(this.openFd("sendall"), data, flags);
    if (first === data.length) return SENT;
    return this.sendAll(data, flags, first, "sendall", false, signal).then(nothing);
  }

  /** A datagram to the address `sockaddr`. */
  sendto(data: Uint8Array, flags: number, sockaddr: Buffer, signal?: AbortSignal): Promise<number> {
    const attempt = (fd: number) => sys.sendto(fd, data, data.length, flags | NOWAIT, sockaddr, sockaddr.length);
    return this.io<number>(WRITABLE, "sendto", flags, attempt, undefined, signal);
  }

  /** `buffers` gathered into one message with ancillary data, to `name` when given. */
  sendmsg(
    buffers: readonly Uint8Array[],
    ancdata: readonly AncillaryItem[],
    flags: number,
    name: Buffer | null,
    signal?: AbortSignal,
  ): Promise<number> {
    const attempt = (fd: number) => sendmsgOnce(fd, buffers, ancdata, flags | NOWAIT, name);
    return this.io<number>(WRITABLE, "sendmsg", flags, attempt, undefined, signal);
  }

  /**
   * Sends until the kernel has all of `data` (first attempt's result given), within the timeout for the whole
   * call. `partialOk`: a blocking send() reports the bytes sent before an error, as the kernel does.
   */
  private async sendAll(
    data: Uint8Array,
    flags: number,
    first: number,
    syscall: string,
    partialOk: boolean,
    signal?: AbortSignal,
  ): Promise<number> {
    const deadline = deadlineFor(this.timeout);
    const dontWait = (flags & C.MSG_DONTWAIT) !== 0 || this.timeout === 0;
    let sent = 0;
    let r = first;
    for (;;) {
      if (r >= 0) {
        sent += r;
        if (sent >= data.length) return sent;
      } else if (r !== -E.EINTR) {
        if (r !== -E.EAGAIN || dontWait) {
          if (partialOk && sent > 0) return sent;
          throw errorFromResult(r, syscall);
        }
        if (!(await this.wait(WRITABLE, deadline, signal))) throw stoppedAfter(sent, signal, syscall);
      }
      r = this.sendOnce(this.openFd(syscall), data.subarray(sent), flags);
    }
  }
}

/** The error of a sendall() whose wait gave up after `sent` bytes: an AbortError that says so, or TimeoutError. */
function stoppedAfter(sent: number, signal: AbortSignal | undefined, syscall: string): Error {
  if (!signal?.aborted) return timedOut(syscall);
  const err = abortError(signal);
  err.bytesSent = sent;
  return err;
}

/** What connect() gives when its timeout ran out: TimeoutError, or connect_ex()'s EAGAIN. */
function gaveUp(raiseTimeout: boolean): number {
  if (raiseTimeout) throw timedOut("connect");
  return E.EAGAIN;
}

/** One recvmsg into `buffers`, never waiting, with received descriptors close-on-exec. */
function messageInto(
  fd: number,
  buffers: readonly Uint8Array[],
  ancbufsize: number,
  flags: number,
): ReceivedMessage<number> | number {
  return recvmsgOnce(fd, buffers, ancbufsize, flags | C.MSG_DONTWAIT | C.MSG_CMSG_CLOEXEC);
}
