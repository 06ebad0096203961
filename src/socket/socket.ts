// The Socket class: Python's socket.socket over a real kernel socket, and the one owner of its data path.
// Control calls go straight to libc. Every accept, connect, recv and send is a non-blocking syscall on the
// socket's own fd; on EAGAIN it waits for readiness on Node's event loop (src/libc/poller.ts) and tries again.
// The kernel is the only buffer: what a call returns or reports as sent is exactly what the kernel handed over
// or took, so a timed-out call leaves nothing in flight and a detached or passed fd finds every unread byte.

import { inspect } from "node:util";
import * as C from "../libc/constants.js";
import { E } from "../libc/errno.js";
import { forgetFd, READABLE, registrationFor, WRITABLE, type Interest, type Registration } from "../libc/poller.js";
import { SOCKADDR_STORAGE_SIZE } from "../libc/sockaddr.js";
import type { TcpInfo } from "../libc/tcp-info.js";
import { loadSyscalls, sys } from "../libc/syscalls.js";
import { fromSockaddr, isUnbound, toSockaddr, toSockaddrSync, type Address, type AddressInput } from "./address.js";
import { checkBytes, checkInt } from "./arguments.js";
import { badFileDescriptor, checkResult, errorFromResult, OSError, timedOut } from "./errors.js";
import { receiveMessage, sendMessage, type AncillaryItem, type ReceivedMessage } from "./messages.js";
import { getInheritableFd, setInheritableFd } from "./inheritable.js";
import { repr } from "./repr.js";
import { openFile, type MakefileOptions, type SocketFile } from "./socket-file.js";
import type { TextSocketFile } from "./text-file.js";
import { transmitFile, type SendfileSource } from "./sendfile.js";
import { getOption, setOption, tcpInfoOf } from "./sockopt.js";
import { checkTimeout, deadlineFor, getdefaulttimeout } from "./timeout.js";

const TYPE_FLAGS = C.SOCK_NONBLOCK | C.SOCK_CLOEXEC;
/** Every syscall here is non-blocking on its own, whatever O_NONBLOCK says (a detached fd may share it). */
const NOWAIT = C.MSG_DONTWAIT | C.MSG_NOSIGNAL;
/** One shared receive area: each call reads into it and copies out exactly what arrived before anything awaits. */
let scratch = Buffer.allocUnsafe(256 * 1024);
const EMPTY = Buffer.alloc(0);
/** connect() to AF_UNSPEC dissolves a stream socket's association (connect(2)). */
const UNSPEC = Buffer.alloc(16);
/** How often an AF_UNIX connect retries while the listener's backlog is full (the kernel gives EAGAIN, no wakeup). */
const UNIX_CONNECT_RETRY_MS = 10;

/**
 * For the server framework: a socket's accept() that never waits, so that a serving loop that was told "readable"
 * cannot be held by a connection another process took first, while the listener keeps Python's timeout (None).
 */
export const acceptNow = Symbol("socketkit.acceptNow");
/** Likewise for a datagram server's recvfrom(). */
export const recvfromNow = Symbol("socketkit.recvfromNow");

/** True while Socket.adopt() constructs: the fd is known to be a non-blocking socket of the given kind. */
let adopting = false;

// Scratch space for address calls; each is filled and decoded inside one synchronous step.
const addrScratch = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
const lenScratch = Buffer.alloc(4);

/** A result that is a failure: the negative errno a libc call returned. */
const failed = (r: unknown): r is number => typeof r === "number" && r < 0;

function fetchAddress(call: (fd: number, addr: Buffer, len: Buffer) => number, fd: number): Address | number {
  lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
  const r = call(fd, addrScratch, lenScratch);
  return r < 0 ? r : fromSockaddr(addrScratch, lenScratch.readUInt32LE(0));
}

/** Copies `n` received bytes out of the scratch area; MSG_TRUNC may report more than arrived (zero-filled). */
function takeScratch(n: number, copied: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  scratch.copy(out, 0, 0, Math.min(n, copied));
  if (n > copied) out.fill(0, copied);
  return out;
}

/**
 * A kernel socket with Python's socket.socket interface.
 *
 * Calls that never wait are synchronous (bind, listen, setsockopt, close, …); calls that may wait return
 * promises (accept, connect, recv, send, …) and honour the socket's timeout: null waits as long as it takes,
 * 0 rejects with BlockingIOError instead of waiting, a positive number of seconds rejects with TimeoutError.
 * A call that times out has transferred nothing more than it reported.
 *
 * @throws OSError (or the subclass Python would raise) when the kernel refuses a call; TypeError or RangeError
 *   naming the argument for a wrong argument; UnsupportedPlatformError off Linux.
 * @example
 * const server = new Socket();
 * server.bind(["127.0.0.1", 0]);
 * server.listen(5);
 * const [conn, address] = await server.accept();
 */
export class Socket {
  private _fd: number;
  readonly family: number;
  readonly type: number;
  readonly proto: number;
  private _timeout: number | null;
  private registration: Registration | null = null;
  /** Files from makefile() still open: close() waits for them before closing the fd, as Python's _io_refs. */
  private ioRefs = 0;
  private closeDeferred = false;

  /**
   * Creates a socket, or wraps the socket `fileno` (whose family, type and proto are read from the kernel
   * when not given), as Python's socket.socket(family, type, proto, fileno).
   */
  constructor(family?: number, type?: number, proto?: number, fileno?: number) {
    loadSyscalls();
    if (fileno !== undefined) {
      checkInt(fileno, "fileno", 0, C.INT_MAX);
      family ??= kernelOption(fileno, C.SO_DOMAIN);
      type ??= kernelOption(fileno, C.SO_TYPE);
      proto ??= kernelOption(fileno, C.SO_PROTOCOL);
      // accept4 and connect have no per-call flag: the fd itself must not block the event loop.
      if (!adopting) checkResult(sys.setNonblocking(fileno, true), "fcntl");
    }
    family ??= C.AF_INET;
    type ??= C.SOCK_STREAM;
    proto ??= 0;
    checkInt(family, "family", C.INT_MIN, C.INT_MAX);
    checkInt(type, "type", C.INT_MIN, C.INT_MAX);
    checkInt(proto, "proto", C.INT_MIN, C.INT_MAX);
    const kind = type & ~TYPE_FLAGS;
    // As in Python, the kernel judges family, type and protocol: EAFNOSUPPORT, EINVAL, EPROTONOSUPPORT, EPERM.
    if (fileno === undefined) fileno = checkResult(sys.socket(family, kind | TYPE_FLAGS, proto), "socket");
    this._fd = fileno;
    this.family = family;
    this.type = kind;
    this.proto = proto;
    this._timeout = type & C.SOCK_NONBLOCK ? 0 : getdefaulttimeout();
  }

  /** The file descriptor, or -1 once closed or detached. */
  get fd(): number {
    return this._fd;
  }

  /** True once close() or detach() ran. */
  get closed(): boolean {
    return this._fd < 0;
  }

  /** The local address, or undefined while unbound (or closed). */
  get laddr(): Address | undefined {
    const address = this.tryAddress(sys.getsockname);
    return address === undefined || isUnbound(address) ? undefined : address;
  }

  /** The peer's address, or undefined while not connected (or closed). */
  get raddr(): Address | undefined {
    const address = this.tryAddress(sys.getpeername);
    return address === "" ? undefined : address;
  }

  fileno(): number {
    return this._fd;
  }

  bind(address: AddressInput): void {
    const sockaddr = toSockaddrSync(this.family, address);
    checkResult(sys.bind(this.openFd("bind"), sockaddr, sockaddr.length), "bind");
  }

  /** Starts accepting connections; the kernel queues up to `backlog` + 1 completed ones (default min(SOMAXCONN, 128)). */
  listen(backlog: number = Math.min(C.SOMAXCONN, 128)): void {
    checkInt(backlog, "backlog", C.INT_MIN, C.INT_MAX);
    checkResult(sys.listen(this.openFd("listen"), Math.max(0, backlog)), "listen");
  }

  /** Waits for a connection the kernel completed and takes it off the accept queue. */
  accept(): Promise<[Socket, Address]> {
    return this.acceptWith(0);
  }

  /** accept() that never waits, whatever the timeout: null when the queue is empty (no exception to build). */
  [acceptNow](): Promise<[Socket, Address] | null> {
    try {
      const got = this.acceptOnce(this.openFd("accept"));
      if (got === -E.EAGAIN) return Promise.resolve(null);
      return failed(got) ? Promise.reject(errorFromResult(got, "accept")) : Promise.resolve(got);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** recvfrom() that never waits: null when nothing is queued. */
  [recvfromNow](bufsize: number): Promise<[Buffer, Address | null] | null> {
    try {
      const from = { address: null as Address | null };
      const got = this.receive(this.openFd("recvfrom"), bufsize, 0, from);
      if (got === -E.EAGAIN) return Promise.resolve(null);
      return failed(got) ? Promise.reject(errorFromResult(got, "recvfrom")) : Promise.resolve([got, from.address]);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private acceptWith(flags: number): Promise<[Socket, Address]> {
    return this.io(READABLE, "accept", flags, (fd) => this.acceptOnce(fd));
  }

  /** One accept4(2), retried past connections reset while queued; -errno on failure. */
  private acceptOnce(fd: number): [Socket, Address] | number {
    for (;;) {
      lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
      const r = sys.accept4(fd, addrScratch, lenScratch, TYPE_FLAGS);
      // A connection reset while it sat in the queue is not this listener's failure: take the next one.
      if (r === -E.ECONNABORTED || r === -E.EINTR) continue;
      if (r < 0) return r;
      // Decoded here, before any await, so that two listeners accepting at once keep their own addresses.
      const address = fromSockaddr(addrScratch, lenScratch.readUInt32LE(0));
      // As Python: the new socket takes the default timeout, never the listener's.
      return [Socket.adopt(this.family, this.type, this.proto, r, getdefaulttimeout()), address];
    }
  }

  /** Connects to `address`; a stream socket waits for the handshake, within the socket's timeout. */
  async connect(address: AddressInput): Promise<void> {
    const err = await this.handshake(address, true);
    if (err !== 0) throw OSError.fromErrno(err, { syscall: "connect" });
  }

  /**
   * As connect(), but resolves with the errno instead of rejecting: 0 on success, EWOULDBLOCK when the timeout
   * ran out. Address errors (TypeError, gaierror) still reject.
   */
  connectEx(address: AddressInput): Promise<number> {
    return this.handshake(address, false);
  }

  private async handshake(address: AddressInput, raiseTimeout: boolean): Promise<number> {
    const sockaddr = await toSockaddr(this.family, address);
    const deadline = deadlineFor(this._timeout);
    for (;;) {
      const r = sys.connect(this.openFd("connect"), sockaddr, sockaddr.length);
      if (r === 0) return 0;
      if (r === -E.EINTR) continue;
      if (r === -E.EAGAIN && this.family === C.AF_UNIX && this._timeout !== 0) {
        if (deadline !== null && performance.now() >= deadline) return this.gaveUp(raiseTimeout);
        await new Promise((resolve) => setTimeout(resolve, UNIX_CONNECT_RETRY_MS));
        continue;
      }
      if (r !== -E.EINPROGRESS) return -r;
      if (this._timeout === 0) return E.EINPROGRESS;
      if (!(await this.waitReady(WRITABLE, deadline))) return this.gaveUp(raiseTimeout);
      // The handshake's outcome is in SO_ERROR once the socket turns writable (connect(2), EINPROGRESS).
      const err = this.getsockopt(C.SOL_SOCKET, C.SO_ERROR);
      if (err !== 0) {
        // A blocking connect that fails leaves the socket unconnected, so the next connect() tries afresh (and is
        // refused again, not ECONNABORTED); with a timeout Python's socket is non-blocking and keeps that state.
        if (this._timeout === null) sys.connect(this._fd, UNSPEC, UNSPEC.length);
        return err;
      }
      // A second connect() moves the socket to "connected" as a blocking connect leaves it, so that a later
      // connect() fails with EISCONN as Python's does (the first one after an asynchronous success returns 0).
      sys.connect(this._fd, sockaddr, sockaddr.length);
      return 0;
    }
  }

  private gaveUp(raiseTimeout: boolean): number {
    if (raiseTimeout) throw timedOut("connect");
    return E.EAGAIN;
  }

  /** Resolves with at most `bufsize` bytes as soon as any are there; an empty Buffer means the peer closed. */
  recv(bufsize: number, flags = 0): Promise<Buffer> {
    try {
      checkInt(bufsize, "bufsize", 0, C.INT_MAX);
      checkInt(flags, "flags", 0, C.INT_MAX);
      // Python returns b'' for recv(0) without a syscall, so a datagram is not consumed.
      if (bufsize === 0) return Promise.resolve(Buffer.alloc(0));
      const first = this.receive(this.openFd("recv"), bufsize, flags, null);
      if (!failed(first)) return Promise.resolve(first);
      return this.io(READABLE, "recv", flags, (fd) => this.receive(fd, bufsize, flags, null), first);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Reads into `buffer` (at most `nbytes`, default its length) and resolves with the count. */
  recvInto(buffer: Uint8Array, nbytes = 0, flags = 0): Promise<number> {
    try {
      checkBytes(buffer, "buffer");
      checkInt(nbytes, "nbytes", 0, buffer.length);
      checkInt(flags, "flags", 0, C.INT_MAX);
      const len = nbytes === 0 ? buffer.length : nbytes;
      if (len === 0) return Promise.resolve(0);
      return this.io(READABLE, "recv_into", flags, (fd) => sys.recv(fd, buffer, len, flags | C.MSG_DONTWAIT));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Receives a datagram (or stream bytes) and the sender's address (null where the kernel gives none). */
  recvfrom(bufsize: number, flags = 0): Promise<[Buffer, Address | null]> {
    try {
      checkInt(bufsize, "bufsize", 0, C.INT_MAX);
      checkInt(flags, "flags", 0, C.INT_MAX);
      return this.io(READABLE, "recvfrom", flags, (fd) => {
        const from = { address: null as Address | null };
        const data = this.receive(fd, bufsize, flags, from);
        return failed(data) ? data : ([data, from.address] as [Buffer, Address | null]);
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** As recvfrom(), into `buffer` (at most `nbytes`, default its length): resolves with [count, address]. */
  recvfromInto(buffer: Uint8Array, nbytes = 0, flags = 0): Promise<[number, Address | null]> {
    try {
      checkBytes(buffer, "buffer");
      checkInt(nbytes, "nbytes", 0, buffer.length);
      checkInt(flags, "flags", 0, C.INT_MAX);
      const len = nbytes === 0 ? buffer.length : nbytes;
      return this.io(READABLE, "recvfrom_into", flags, (fd) => {
        lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
        const n = sys.recvfrom(fd, buffer, len, flags | C.MSG_DONTWAIT, addrScratch, lenScratch);
        if (n < 0) return n;
        const addrLen = lenScratch.readUInt32LE(0);
        return [n, addrLen === 0 ? null : fromSockaddr(addrScratch, addrLen)] as [number, Address | null];
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Sends `data` and resolves with how many bytes the kernel took. Without a timeout it waits until the kernel
   * has taken all of it (as a blocking send does); with a timeout it returns what one send took once the socket
   * was writable; with timeout 0 or MSG_DONTWAIT it never waits.
   */
  send(data: Uint8Array, flags = 0): Promise<number> {
    try {
      checkBytes(data, "data");
      checkInt(flags, "flags", 0, C.INT_MAX);
      const fd = this.openFd("send");
      const first = sys.send(fd, data, data.length, flags | NOWAIT);
      const whole = this._timeout === null && (flags & C.MSG_DONTWAIT) === 0 && this.type === C.SOCK_STREAM;
      if (first >= 0 && (first === data.length || !whole)) return Promise.resolve(first);
      if (whole) return this.sendAll(data, flags, first, "send", true);
      return this.io(WRITABLE, "send", flags, (fd2) => sys.send(fd2, data, data.length, flags | NOWAIT), first);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Sends all of `data`; resolves once the kernel has every byte. The timeout bounds the whole call. */
  sendall(data: Uint8Array, flags = 0): Promise<void> {
    try {
      checkBytes(data, "data");
      checkInt(flags, "flags", 0, C.INT_MAX);
      const first = sys.send(this.openFd("sendall"), data, data.length, flags | NOWAIT);
      if (first === data.length) return Promise.resolve();
      return this.sendAll(data, flags, first, "sendall", false).then(() => undefined);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Sends a datagram to `address`. */
  async sendto(data: Uint8Array, address: AddressInput, flags = 0): Promise<number> {
    checkBytes(data, "data");
    checkInt(flags, "flags", 0, C.INT_MAX);
    const sockaddr = await toSockaddr(this.family, address);
    return this.io(WRITABLE, "sendto", flags, (fd) =>
      sys.sendto(fd, data, data.length, flags | NOWAIT, sockaddr, sockaddr.length),
    );
  }

  /**
   * Python's sendmsg(buffers, ancdata, flags, address): gathers `buffers` into one message with ancillary data
   * (for example `[SOL_SOCKET, SCM_RIGHTS, fds]`) and resolves with the bytes sent.
   */
  async sendmsg(
    buffers: readonly Uint8Array[],
    ancdata: readonly AncillaryItem[] = [],
    flags = 0,
    address?: AddressInput,
  ): Promise<number> {
    checkInt(flags, "flags", 0, C.INT_MAX);
    const name = address === undefined ? null : await toSockaddr(this.family, address);
    return this.io(WRITABLE, "sendmsg", flags, (fd) => sendMessage(fd, buffers, ancdata, flags | NOWAIT, name));
  }

  /**
   * Python's recvmsg(bufsize, ancbufsize, flags): resolves with [data, ancdata, msgFlags, address]. Received
   * descriptors are close-on-exec (MSG_CMSG_CLOEXEC), so a child process gets them only when they are passed on.
   */
  recvmsg(bufsize: number, ancbufsize = 0, flags = 0): Promise<ReceivedMessage<Buffer>> {
    try {
      checkInt(bufsize, "bufsize", 0, C.INT_MAX);
      checkInt(ancbufsize, "ancbufsize", 0, C.INT_MAX);
      checkInt(flags, "flags", 0, C.INT_MAX);
      return this.io(READABLE, "recvmsg", flags, (fd) => {
        const len = this.receiveLength(fd, bufsize);
        if (len < 0) return len;
        const got = receiveMessage(
          fd,
          [scratch.subarray(0, len)],
          ancbufsize,
          flags | C.MSG_DONTWAIT | C.MSG_CMSG_CLOEXEC,
        );
        return failed(got) ? got : ([takeScratch(got[0], len), got[1], got[2], got[3]] as ReceivedMessage<Buffer>);
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Python's recvmsg_into(buffers, ancbufsize, flags): scatters one message into `buffers`. */
  recvmsgInto(buffers: readonly Uint8Array[], ancbufsize = 0, flags = 0): Promise<ReceivedMessage<number>> {
    try {
      checkInt(ancbufsize, "ancbufsize", 0, C.INT_MAX);
      checkInt(flags, "flags", 0, C.INT_MAX);
      return this.io(READABLE, "recvmsg", flags, (fd) =>
        receiveMessage(fd, buffers, ancbufsize, flags | C.MSG_DONTWAIT | C.MSG_CMSG_CLOEXEC),
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Python's socket.sendfile(file, offset, count): sends a file's bytes with sendfile(2), falling back to reads
   * and sends where the kernel cannot; resolves with the bytes sent. `file` is an fd or a FileHandle; an fd's
   * position ends after the last byte sent, as Python leaves the file object's.
   */
  sendfile(file: SendfileSource, offset = 0, count: number | null = null): Promise<number> {
    return transmitFile(this.sendfileTarget(), file, offset, count);
  }

  /**
   * Resolves true once a read (accept, recv, recvfrom) would not wait, false when `timeout` seconds pass or
   * `signal` aborts first: what select() would say about this one socket. A socketkit extension, used by the
   * server framework's serveForever loop.
   */
  async waitReadable(timeout: number | null = null, signal?: AbortSignal): Promise<boolean> {
    const deadline = deadlineFor(checkTimeout(timeout, "timeout"));
    this.openFd("select");
    return this.waitReady(READABLE, deadline, signal);
  }

  /** Sets an option: a number (or boolean) is passed as a C int, a Buffer as its bytes. */
  setsockopt(level: number, option: number, value: number | boolean | Uint8Array): void {
    setOption(this.openFd("setsockopt"), level, option, typeof value === "boolean" ? Number(value) : value);
  }

  /** Reads an option: a C int, or with `buflen` the option's raw bytes (at most `buflen`). */
  getsockopt(level: number, option: number): number;
  getsockopt(level: number, option: number, buflen: number): Buffer;
  getsockopt(level: number, option: number, buflen?: number): number | Buffer {
    return getOption(this.openFd("getsockopt"), level, option, buflen);
  }

  /** The kernel's TCP_INFO for this TCP socket: state, rto, rtt, retransmits, unacked, … (Linux). */
  tcpInfo(): TcpInfo {
    return tcpInfoOf(this.openFd("getsockopt"));
  }

  getsockname(): Address {
    return this.address(sys.getsockname, "getsockname");
  }

  getpeername(): Address {
    return this.address(sys.getpeername, "getpeername");
  }

  /** Shuts down reading (SHUT_RD), writing (SHUT_WR, the peer reads EOF) or both, at once. */
  shutdown(how: number): void {
    checkInt(how, "how", C.INT_MIN, C.INT_MAX);
    checkResult(sys.shutdown(this.openFd("shutdown"), how), "shutdown");
  }

  settimeout(value: number | null): void {
    const timeout = checkTimeout(value, "value");
    this.openFd("settimeout");
    this._timeout = timeout;
  }

  gettimeout(): number | null {
    return this._timeout;
  }

  /** Python's sock.timeout: the same as gettimeout(). */
  get timeout(): number | null {
    return this._timeout;
  }

  /** Whether a child process started with exec inherits the fd (FD_CLOEXEC clear); false for sockets socketkit makes. */
  getInheritable(): boolean {
    return getInheritableFd(this.openFd("get_inheritable"));
  }

  setInheritable(inheritable: boolean): void {
    setInheritableFd(this.openFd("set_inheritable"), inheritable);
  }

  /** setblocking(true) is settimeout(null); setblocking(false) is settimeout(0). */
  setblocking(flag: boolean): void {
    this.openFd("setblocking");
    this._timeout = flag ? null : 0;
  }

  getblocking(): boolean {
    return this._timeout !== 0;
  }

  /**
   * Closes the socket; safe to call again. Waiting calls reject with EBADF. Unread bytes make the kernel reset
   * the connection, as close(2) does.
   */
  close(): void {
    if (this.ioRefs > 0) {
      this.closeDeferred = true;
      return;
    }
    const fd = this.release();
    if (fd >= 0) sys.close(fd);
  }

  /**
   * Python's makefile(mode, buffering, encoding, errors, newline): a binary file ("rb", "wb", "rwb") or a text
   * file ("r", "w", "rw") over this socket. The fd stays open while a file is, even after close().
   * @throws RangeError for a mode other than r, w and b, or an unbuffered text file
   */
  makefile(mode: `${string}b${string}`, options?: MakefileOptions): SocketFile;
  makefile(mode?: string, options?: MakefileOptions): TextSocketFile | SocketFile;
  makefile(mode = "r", options: MakefileOptions = {}): TextSocketFile | SocketFile {
    const file = openFile({ sock: this, release: () => this.fileClosed() }, mode, options);
    this.ioRefs++;
    return file;
  }

  /** A file from makefile() let go of the socket: the last one closes it when close() came meanwhile. */
  private fileClosed(): void {
    this.ioRefs--;
    if (this.ioRefs === 0 && this.closeDeferred) this.close();
  }

  /**
   * Gives up the fd without closing it and returns it; the Socket is closed afterwards. The fd is left in the
   * mode Python's would be in: blocking when the timeout is null, non-blocking otherwise.
   */
  detach(): number {
    const fd = this.release();
    if (fd >= 0) sys.setNonblocking(fd, this._timeout !== null);
    return fd;
  }

  /** A new Socket on a duplicate of the fd, with the same timeout. */
  dup(): Socket {
    const fd = checkResult(sys.dup(this.openFd("dup")), "dup");
    return Socket.adopt(this.family, this.type, this.proto, fd, this._timeout);
  }

  toString(): string {
    return repr({
      fd: this._fd,
      family: this.family,
      type: this.type,
      proto: this.proto,
      closed: this._fd < 0,
      laddr: this.tryAddress(sys.getsockname),
      raddr: this.tryAddress(sys.getpeername),
    });
  }

  [inspect.custom](): string {
    return this.toString();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // --- internals -------------------------------------------------------------------------------------------------

  /** A Socket for an fd socketkit made itself (non-blocking already), without the checks a caller's fd needs. */
  private static adopt(family: number, type: number, proto: number, fd: number, timeout: number | null): Socket {
    adopting = true;
    try {
      const sock = new Socket(family, type, proto, fd);
      sock._timeout = timeout;
      return sock;
    } finally {
      adopting = false;
    }
  }

  private openFd(syscall: string): number {
    if (this._fd < 0) throw badFileDescriptor(syscall);
    return this._fd;
  }

  private address(call: (fd: number, addr: Buffer, len: Buffer) => number, syscall: string): Address {
    const address = fetchAddress(call, this.openFd(syscall));
    if (failed(address)) throw errorFromResult(address, syscall);
    return address;
  }

  private tryAddress(call: (fd: number, addr: Buffer, len: Buffer) => number): Address | undefined {
    if (this._fd < 0) return undefined;
    const address = fetchAddress(call, this._fd);
    return failed(address) ? undefined : address;
  }

  private release(): number {
    const fd = this._fd;
    if (fd < 0) return -1;
    this._fd = -1;
    this.registration = null;
    forgetFd(fd);
    return fd;
  }

  /**
   * One recv or recvfrom into the scratch area, copied out at its exact size. A datagram larger than the scratch
   * area is sized first (MSG_PEEK | MSG_TRUNC) so that it is not cut short and no more memory than it needs is taken.
   */
  private receive(
    fd: number,
    bufsize: number,
    flags: number,
    from: { address: Address | null } | null,
  ): Buffer | number {
    const len = this.receiveLength(fd, bufsize);
    if (len < 0) return len;
    let n: number;
    if (from === null) {
      n = sys.recv(fd, scratch, len, flags | C.MSG_DONTWAIT);
    } else {
      lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
      n = sys.recvfrom(fd, scratch, len, flags | C.MSG_DONTWAIT, addrScratch, lenScratch);
      const addrLen = lenScratch.readUInt32LE(0);
      if (n >= 0 && addrLen > 0) from.address = fromSockaddr(addrScratch, addrLen);
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

  /**
   * Sends until the kernel has all of `data` (first attempt's result given), within the socket's timeout for the
   * whole call. `partialOk`: a blocking send() reports the bytes sent before an error, as the kernel does.
   */
  private async sendAll(
    data: Uint8Array,
    flags: number,
    first: number,
    syscall: string,
    partialOk: boolean,
  ): Promise<number> {
    const deadline = deadlineFor(this._timeout);
    const dontWait = (flags & C.MSG_DONTWAIT) !== 0 || this._timeout === 0;
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
        if (!(await this.waitReady(WRITABLE, deadline))) throw timedOut(syscall);
      }
      const rest = data.subarray(sent);
      r = sys.send(this.openFd(syscall), rest, rest.length, flags | NOWAIT);
    }
  }

  private waitReady(interest: Interest, deadline: number | null, signal?: AbortSignal): Promise<boolean> {
    if (this.registration === null || this.registration.isClosed) this.registration = registrationFor(this._fd);
    return this.registration.wait(interest, deadline, signal);
  }

  /**
   * The mio/tokio loop every waiting call goes through: try the call; on EAGAIN wait for readiness (within the
   * timeout) and try again. `first` is an attempt the caller already made on its fast path. Written as a promise
   * chain rather than an async function: a connection waiting in recv() then holds no suspended frame here.
   */
  private io<T>(
    interest: Interest,
    syscall: string,
    flags: number,
    attempt: (fd: number) => T | number,
    first?: T | number,
  ): Promise<T> {
    const deadline = deadlineFor(this._timeout);
    const dontWait = (flags & C.MSG_DONTWAIT) !== 0 || this._timeout === 0;
    // One closure serves the first try and every wake-up (each closure a waiting call keeps costs ~60 bytes).
    const retry = (ready: boolean, tried?: T | number): T | Promise<T> => {
      if (!ready) throw timedOut(syscall);
      let r = tried === undefined ? attempt(this.openFd(syscall)) : tried;
      while (failed(r)) {
        if (r !== -E.EINTR) {
          if (r !== -E.EAGAIN || dontWait) throw errorFromResult(r, syscall);
          return this.waitReady(interest, deadline).then(retry);
        }
        r = attempt(this.openFd(syscall));
      }
      return r as T;
    };
    try {
      return Promise.resolve(retry(true, first));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** What sendfile.ts needs of this socket, without widening the public surface. */
  private sendfileTarget() {
    return {
      fd: () => this.openFd("sendfile"),
      stream: this.type === C.SOCK_STREAM,
      timeout: this._timeout,
      wait: (deadline: number | null) => this.waitReady(WRITABLE, deadline),
      sendall: (data: Uint8Array) => this.sendall(data),
    };
  }
}

function kernelOption(fd: number, option: number): number {
  return getOption(fd, C.SOL_SOCKET, option) as number;
}
