// The Socket class: Python's socket.socket over a real, always non-blocking kernel socket.
// Control calls go straight to libc; waits go through the reactor (accept, connect, datagrams) or, for the bytes
// of a connected stream, through a libuv stream (byte-stream.ts). Python's timeout picks how long each call waits.

import { inspect } from "node:util";
import * as C from "../libc/constants.js";
import { errno as E } from "../libc/errno.js";
import { Reactor, type Interest, type Registration } from "../libc/reactor.js";
import { SOCKADDR_STORAGE_SIZE } from "../libc/sockaddr.js";
import type { TcpInfo } from "../libc/tcp-info.js";
import { loadSyscalls, sys } from "../libc/syscalls.js";
import { fromSockaddr, isUnbound, toSockaddr, toSockaddrSync, type Address, type AddressInput } from "./address.js";
import { ByteStream } from "./byte-stream.js";
import { badFileDescriptor, errorFromResult, OSError, timedOut, TimeoutError } from "./errors.js";
import { repr } from "./repr.js";
import { checkBytes, checkInt } from "./arguments.js";
import { getOption, setOption, tcpInfoOf } from "./sockopt.js";
import { streamRecv, streamSend } from "./stream-io.js";
import { checkTimeout, deadlineFor, getdefaulttimeout } from "./timeout.js";

const EAGAIN = E.EAGAIN!;
const EINTR = E.EINTR!;
const EINPROGRESS = E.EINPROGRESS!;
const ECONNABORTED = E.ECONNABORTED!;
const ENOTCONN = E.ENOTCONN!;
const TYPE_FLAGS = C.SOCK_NONBLOCK | C.SOCK_CLOEXEC;
/** The most one send() hands over; sendall() has no such limit. */
const SEND_CHUNK = 256 * 1024;

/** True while Socket.adopt() constructs: the fd is known to be a non-blocking socket of the given kind. */
let adopting = false;

// Scratch space for the synchronous address calls: each is filled and decoded before anything else runs.
const addrScratch = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
const lenScratch = Buffer.alloc(4);
const optScratch = Buffer.alloc(1024);

function fetchAddress(call: (fd: number, addr: Buffer, len: Buffer) => number, fd: number, name: string): Address {
  lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
  const r = call(fd, addrScratch, lenScratch);
  if (r < 0) throw errorFromResult(r, name);
  return fromSockaddr(addrScratch, lenScratch.readUInt32LE(0));
}

/**
 * A kernel socket with Python's socket.socket interface.
 *
 * Calls that never wait are synchronous (bind, listen, setsockopt, close, …); calls that may wait return
 * promises (accept, connect, recv, send, …) and honour the socket's timeout: null waits as long as it takes,
 * 0 rejects with BlockingIOError instead of waiting, a positive number of seconds rejects with TimeoutError.
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
  private stream: ByteStream | null = null;
  /** Set when the kernel already told us the socket is connected (accept, connect), saving a getpeername. */
  private connected = false;

  /**
   * Creates a socket, or wraps the socket `fileno` (whose family, type and proto are read from the kernel
   * when not given), as Python's socket.socket(family, type, proto, fileno).
   */
  constructor(family?: number, type?: number, proto?: number, fileno?: number) {
    loadSyscalls();
    if (fileno !== undefined) {
      checkInt(fileno, "fileno", 0, 0x7fffffff);
      family ??= this.kernelOption(fileno, C.SO_DOMAIN);
      type ??= this.kernelOption(fileno, C.SO_TYPE);
      proto ??= this.kernelOption(fileno, C.SO_PROTOCOL);
      if (!adopting) {
        const r = sys.setNonblocking(fileno);
        if (r < 0) throw errorFromResult(r, "fcntl");
      }
    }
    family ??= C.AF_INET;
    type ??= C.SOCK_STREAM;
    proto ??= 0;
    checkInt(family, "family", 0, 0xffff);
    checkInt(type, "type", 0, 0x7fffffff);
    checkInt(proto, "proto", 0, 0xffff);
    if (family !== C.AF_INET && family !== C.AF_INET6 && family !== C.AF_UNIX) {
      throw new RangeError(`family must be AF_INET, AF_INET6 or AF_UNIX, got ${family}`);
    }
    const kind = type & ~TYPE_FLAGS;
    if (kind !== C.SOCK_STREAM && kind !== C.SOCK_DGRAM) {
      throw new RangeError(`type must be SOCK_STREAM or SOCK_DGRAM, got ${type}`);
    }
    if (fileno === undefined) {
      fileno = sys.socket(family, kind | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, proto);
      if (fileno < 0) throw errorFromResult(fileno, "socket");
    }
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
    this.check(sys.bind(this.openFd("bind"), sockaddr, sockaddr.length), "bind");
  }

  /** Starts accepting connections; the kernel queues up to `backlog` + 1 completed ones (default min(SOMAXCONN, 128)). */
  listen(backlog: number = Math.min(C.SOMAXCONN, 128)): void {
    checkInt(backlog, "backlog", -0x80000000, 0x7fffffff);
    this.check(sys.listen(this.openFd("listen"), Math.max(0, backlog)), "listen");
    // accept() will wait through the reactor: start its thread now rather than when the first client arrives.
    Reactor.get().warmUp();
  }

  /** Waits for a connection the kernel completed and takes it off the accept queue. */
  async accept(): Promise<[Socket, Address]> {
    const newFd = await this.io(C.EPOLLIN, "accept", false, (fd) => {
      for (;;) {
        lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
        const r = sys.accept4(fd, addrScratch, lenScratch, C.SOCK_NONBLOCK | C.SOCK_CLOEXEC);
        // A connection reset while it sat in the queue is not this listener's failure: take the next one.
        if (r !== -ECONNABORTED) return r;
      }
    });
    const address = fromSockaddr(addrScratch, lenScratch.readUInt32LE(0));
    const conn = Socket.adopt(this.family, this.type, this.proto, newFd);
    conn.connected = true;
    return [conn, address];
  }

  /** Connects to `address`; a stream socket waits for the handshake, within the socket's timeout. */
  async connect(address: AddressInput): Promise<void> {
    const err = await this.connectErrno(address, true);
    if (err !== 0) throw OSError.fromErrno(err, { syscall: "connect" });
  }

  /**
   * As connect(), but resolves with the errno instead of rejecting: 0 on success, EWOULDBLOCK when the timeout
   * ran out. Address errors (TypeError, gaierror) still reject.
   */
  connectEx(address: AddressInput): Promise<number> {
    return this.connectErrno(address, false);
  }

  private async connectErrno(address: AddressInput, raiseTimeout: boolean): Promise<number> {
    const err = await this.handshake(address, raiseTimeout);
    if (err === 0) this.connected = true;
    return err;
  }

  private async handshake(address: AddressInput, raiseTimeout: boolean): Promise<number> {
    const sockaddr = await toSockaddr(this.family, address);
    const fd = this.openFd("connect");
    let r = sys.connect(fd, sockaddr, sockaddr.length);
    if (r === 0) return 0;
    if (r !== -EINPROGRESS && r !== -EINTR) return -r;
    if (this._timeout === 0) return EINPROGRESS;
    const ready = await this.waitReady(C.EPOLLOUT, deadlineFor(this._timeout));
    if (!ready) {
      if (raiseTimeout) throw timedOut("connect");
      return EAGAIN;
    }
    // The handshake's outcome is in SO_ERROR once the socket turns writable (connect(2), EINPROGRESS).
    return this.getsockopt(C.SOL_SOCKET, C.SO_ERROR);
  }

  /** Resolves with at most `bufsize` bytes as soon as any are there; an empty Buffer means the peer closed. */
  recv(bufsize: number, flags = 0): Promise<Buffer> {
    // Not an async function: queued bytes on the hot path of every echo loop need no extra promise hops.
    try {
      checkInt(bufsize, "bufsize", 0, 0x7fffffff);
      checkInt(flags, "flags", 0, 0x7fffffff);
      if (this.type !== C.SOCK_STREAM) return this.recvDatagram(bufsize, flags);
      const queued = flags === 0 && bufsize > 0 && this._fd >= 0 ? this.stream?.take(bufsize, false) : null;
      if (queued) return Promise.resolve(queued);
      const stream = this.connectedStream("recv");
      return bufsize === 0 ? Promise.resolve(Buffer.alloc(0)) : streamRecv(stream, this._fd, bufsize, flags, this._timeout);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private async recvDatagram(bufsize: number, flags: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(bufsize);
    const n = await this.io(C.EPOLLIN, "recv", (flags & C.MSG_DONTWAIT) !== 0, (fd) => sys.recv(fd, buf, bufsize, flags));
    return buf.subarray(0, n);
  }

  /** Reads into `buffer` (at most `nbytes`, default its length) and resolves with the count. */
  async recvInto(buffer: Uint8Array, nbytes = 0, flags = 0): Promise<number> {
    checkBytes(buffer, "buffer");
    checkInt(nbytes, "nbytes", 0, buffer.length);
    const data = await this.recv(nbytes === 0 ? buffer.length : nbytes, flags);
    buffer.set(data, 0);
    return data.length;
  }

  /** Receives a datagram and its sender's address (null for a connected stream). */
  async recvfrom(bufsize: number, flags = 0): Promise<[Buffer, Address | null]> {
    checkInt(bufsize, "bufsize", 0, 0x7fffffff);
    if (this.type === C.SOCK_STREAM) return [await this.recv(bufsize, flags), null];
    const buf = Buffer.allocUnsafe(bufsize);
    let addrLen = 0;
    const from = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
    const fromLen = Buffer.alloc(4);
    const n = await this.io(C.EPOLLIN, "recvfrom", (flags & C.MSG_DONTWAIT) !== 0, (fd) => {
      fromLen.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
      const r = sys.recvfrom(fd, buf, bufsize, flags, from, fromLen);
      addrLen = fromLen.readUInt32LE(0);
      return r;
    });
    return [buf.subarray(0, n), addrLen === 0 ? null : fromSockaddr(from, addrLen)];
  }

  /** Sends some of `data` (at most 256 KiB on a stream) and resolves with how many bytes the kernel took. */
  async send(data: Uint8Array, flags = 0): Promise<number> {
    checkBytes(data, "data");
    checkInt(flags, "flags", 0, 0x7fffffff);
    if (this.type === C.SOCK_STREAM) {
      const part = data.length > SEND_CHUNK ? data.subarray(0, SEND_CHUNK) : data;
      return streamSend(this.connectedStream("send"), this._fd, part, flags, this._timeout);
    }
    return this.io(C.EPOLLOUT, "send", (flags & C.MSG_DONTWAIT) !== 0, (fd) =>
      sys.send(fd, data, data.length, flags | C.MSG_NOSIGNAL),
    );
  }

  /** Sends all of `data`; resolves once the kernel has every byte, waiting as its buffers drain. */
  sendall(data: Uint8Array, flags = 0): Promise<void> {
    try {
      checkBytes(data, "data");
      checkInt(flags, "flags", 0, 0x7fffffff);
      if (this.type !== C.SOCK_STREAM) return this.send(data, flags).then(() => undefined);
      if (this.stream !== null && this._timeout === null && flags === 0 && this._fd >= 0) return this.stream.write(data);
      return streamSend(this.connectedStream("send"), this._fd, data, flags, this._timeout).then(() => undefined);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Sends a datagram to `address`. */
  async sendto(data: Uint8Array, address: AddressInput, flags = 0): Promise<number> {
    checkBytes(data, "data");
    checkInt(flags, "flags", 0, 0x7fffffff);
    const sockaddr = await toSockaddr(this.family, address);
    return this.io(C.EPOLLOUT, "sendto", (flags & C.MSG_DONTWAIT) !== 0, (fd) =>
      sys.sendto(fd, data, data.length, flags | C.MSG_NOSIGNAL, sockaddr, sockaddr.length),
    );
  }

  /**
   * Resolves true once a read (accept, recv, recvfrom) would not wait, false when `timeout` seconds pass or
   * `signal` aborts first: what select() would say about this one socket. A socketkit extension, used by the
   * server framework's serveForever loop.
   */
  async waitReadable(timeout: number | null = null, signal?: AbortSignal): Promise<boolean> {
    const limit = checkTimeout(timeout, "timeout");
    const deadline = deadlineFor(limit);
    if (this.stream !== null) {
      // A connected stream's bytes arrive through libuv: readable means a peek would return at once.
      return this.stream.read(1, true, deadline).then(
        () => true,
        (err: unknown) => !(err instanceof TimeoutError),
      );
    }
    this.openFd("select");
    return this.waitReady(C.EPOLLIN, deadline, signal);
  }

  /** Sets an option: a number is passed as a C int, a Buffer as its bytes. */
  setsockopt(level: number, option: number, value: number | Uint8Array): void {
    setOption(this.openFd("setsockopt"), level, option, value);
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
    return fetchAddress(sys.getsockname, this.openFd("getsockname"), "getsockname");
  }

  getpeername(): Address {
    return fetchAddress(sys.getpeername, this.openFd("getpeername"), "getpeername");
  }

  /** Shuts down reading (SHUT_RD), writing (SHUT_WR, the peer reads EOF) or both, at once. */
  shutdown(how: number): void {
    checkInt(how, "how", C.SHUT_RD, C.SHUT_RDWR);
    this.check(sys.shutdown(this.openFd("shutdown"), how), "shutdown");
  }

  settimeout(value: number | null): void {
    this._timeout = checkTimeout(value, "value");
  }

  gettimeout(): number | null {
    return this._timeout;
  }

  /** setblocking(true) is settimeout(null); setblocking(false) is settimeout(0). */
  setblocking(flag: boolean): void {
    this._timeout = flag ? null : 0;
  }

  getblocking(): boolean {
    return this._timeout !== 0;
  }

  /**
   * Closes the socket; safe to call again. Bytes still queued by an unawaited send are flushed first, as the
   * kernel would after close(2); waiting calls reject with EBADF.
   */
  close(): void {
    const fd = this.release();
    if (fd >= 0) sys.close(fd);
  }

  /** Gives up the fd without closing it and returns it; the Socket is closed afterwards. */
  detach(): number {
    return this.release();
  }

  /** A new Socket on a duplicate of the fd, with the same timeout. */
  dup(): Socket {
    const fd = sys.dup(this.openFd("dup"));
    if (fd < 0) throw errorFromResult(fd, "dup");
    const copy = new Socket(this.family, this.type, this.proto, fd);
    copy._timeout = this._timeout;
    return copy;
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
  private static adopt(family: number, type: number, proto: number, fd: number): Socket {
    adopting = true;
    try {
      return new Socket(family, type, proto, fd);
    } finally {
      adopting = false;
    }
  }

  private openFd(syscall: string): number {
    if (this._fd < 0) throw badFileDescriptor(syscall);
    return this._fd;
  }

  private check(result: number, syscall: string): void {
    if (result < 0) throw errorFromResult(result, syscall);
  }

  private kernelOption(fd: number, option: number): number {
    lenScratch.writeUInt32LE(4, 0);
    this.check(sys.getsockopt(fd, C.SOL_SOCKET, option, optScratch, lenScratch), "getsockopt");
    return optScratch.readInt32LE(0);
  }

  private tryAddress(call: (fd: number, addr: Buffer, len: Buffer) => number): Address | undefined {
    if (this._fd < 0) return undefined;
    lenScratch.writeUInt32LE(SOCKADDR_STORAGE_SIZE, 0);
    if (call(this._fd, addrScratch, lenScratch) < 0) return undefined;
    return fromSockaddr(addrScratch, lenScratch.readUInt32LE(0));
  }

  private release(): number {
    const fd = this._fd;
    if (fd < 0) return -1;
    this._fd = -1;
    this.registration?.close();
    this.registration = null;
    this.stream?.closeAfterFlush();
    return fd;
  }

  private waitReady(interest: Interest, deadline: number | null, signal?: AbortSignal): Promise<boolean> {
    this.registration ??= Reactor.get().register(this._fd);
    return this.registration.wait(interest, deadline, signal);
  }

  /** The tokio loop: try the call; on EAGAIN wait for readiness (within the timeout) and try again. */
  private async io(interest: Interest, syscall: string, dontWait: boolean, attempt: (fd: number) => number): Promise<number> {
    const deadline = deadlineFor(this._timeout);
    for (;;) {
      const r = attempt(this.openFd(syscall));
      if (r >= 0) return r;
      if (r === -EINTR) continue;
      if (r !== -EAGAIN || dontWait || this._timeout === 0) throw errorFromResult(r, syscall);
      if (!(await this.waitReady(interest, deadline))) throw timedOut(syscall);
    }
  }

  /** The libuv stream for a connected stream socket, made on first use over a duplicate of the fd. */
  private connectedStream(syscall: string): ByteStream {
    if (this.stream !== null) return this.stream;
    const fd = this.openFd(syscall);
    if (!this.connected && this.tryAddress(sys.getpeername) === undefined) throw OSError.fromErrno(ENOTCONN, { syscall });
    const copy = sys.dup(fd);
    if (copy < 0) throw errorFromResult(copy, "dup");
    this.stream = new ByteStream(copy);
    return this.stream;
  }
}
