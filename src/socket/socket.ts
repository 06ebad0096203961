// The Socket class: Python's socket.socket, a thin façade over its fd engine (io-source.ts). Here are Python's
// names, argument checks, defaults and errors; control calls (bind, listen, setsockopt, …) go straight to libc,
// and every call that may wait goes to the engine. The kernel is the only buffer: what a call returns or reports
// as sent is exactly what the kernel handed over or took, so a timed-out call leaves nothing in flight.

import type { Duplex } from "node:stream";
import { inspect } from "node:util";
import * as C from "../libc/constants.js";
import { READABLE } from "../libc/poller.js";
import type { TcpInfo } from "../libc/tcp-info.js";
import { sys } from "../libc/syscalls.js";
import {
  isUnbound,
  toSockaddr,
  toSockaddrSync,
  type Address,
  type AddressInput,
  type AddressOf,
  type SenderOf,
} from "./address.js";
import { checkWaitOptions, type WaitOptions } from "./abort.js";
import { asPromise, checkInt } from "./arguments.js";
import {
  checkFlags,
  recvCall,
  recvfromCall,
  recvfromIntoCall,
  recvIntoCall,
  recvmsgCall,
  recvmsgIntoCall,
  sendCall,
  sendfileCall,
  type Slot,
} from "./call-forms.js";
import { checkResult, OSError } from "./errors.js";
import { getInheritableFd, setInheritableFd } from "./inheritable.js";
import { IoRefs } from "./io-refs.js";
import { IoSource } from "./io-source.js";
import type { AncillaryItem, ReceivedMessage as Received } from "./messages.js";
import { acceptNow, recvfromNow, recvmsgNow } from "./now.js";
import { reprOf } from "./repr.js";
import { openFile, type BinaryMode, type MakefileOptions, type SocketFile, type TextMode } from "./socket-file.js";
import type { TextSocketFile } from "./text-file.js";
import type { SendfileSource } from "./sendfile.js";
import type { SocketConstructor } from "./socket-constructor.js";
import { SocketStream, type StreamOptions } from "./stream.js";
import { getOption, setOptionForm, tcpInfoOf } from "./sockopt.js";
import { checkTimeout, deadlineFor, getdefaulttimeout } from "./timeout.js";

export { acceptNow, recvfromNow, recvmsgNow } from "./now.js";

// A and S are spelled out from F and T as defaults, and members use only them: TypeScript then sees the class
// as covariant in what it returns, so a Socket<AF_INET, SOCK_DGRAM> is a Socket. Exported as Socket, below.
class SocketClass<
  F extends number = number,
  T extends number = number,
  A extends Address = AddressOf<F>,
  S extends Address | null = SenderOf<F, T>,
> {
  private readonly source: IoSource;
  /** Files from makefile() and streams from asStream() still open: close() waits for them, as Python's _io_refs. */
  private readonly refs = new IoRefs(() => this.source.close());

  /** Python's socket.socket(family, type, proto, fileno): a new socket, or one over `fileno` (read from the kernel). */
  constructor(family?: F, type?: T, proto?: number, fileno?: number) {
    // Socket.adopt() passes an engine socketkit made itself (accept, dup): nothing to check, no syscall to make.
    const adopted: unknown = family;
    this.source = adopted instanceof IoSource ? adopted : IoSource.create(family, type, proto, fileno);
  }

  /** The address family (AF_INET, AF_INET6, AF_UNIX, …). */
  get family(): number {
    return this.source.family;
  }

  /** The socket type without SOCK_NONBLOCK and SOCK_CLOEXEC (SOCK_STREAM, SOCK_DGRAM, …). */
  get type(): number {
    return this.source.type;
  }

  /** The protocol number (0 for the family's default). */
  get proto(): number {
    return this.source.proto;
  }

  /** The file descriptor, or -1 once closed or detached. */
  get fd(): number {
    return this.source.fd;
  }

  /** True once close() or detach() ran. */
  get closed(): boolean {
    return this.source.fd < 0;
  }

  /** The local address, or undefined while unbound (or closed). */
  get laddr(): A | undefined {
    const address = this.source.knownAddress(sys.getsockname);
    return address === undefined || isUnbound(address) ? undefined : (address as A);
  }

  /** The peer's address, or undefined while not connected (or closed). */
  get raddr(): A | undefined {
    const address = this.source.knownAddress(sys.getpeername);
    return address === "" ? undefined : (address as A | undefined);
  }

  fileno(): number {
    return this.source.fd;
  }

  bind(address: AddressInput): void {
    const sockaddr = toSockaddrSync(this.family, address);
    checkResult(sys.bind(this.source.openFd("bind"), sockaddr, sockaddr.length), "bind");
  }

  /** Starts accepting connections; the kernel queues up to `backlog` + 1 completed ones (default min(SOMAXCONN, 128)). */
  listen(backlog: number = Math.min(C.SOMAXCONN, 128)): void {
    checkInt(backlog, "backlog", C.INT_MIN, C.INT_MAX);
    checkResult(sys.listen(this.source.openFd("listen"), Math.max(0, backlog)), "listen");
  }

  /** Waits for a connection the kernel completed and takes it off the accept queue. */
  accept(options?: WaitOptions): Promise<[Socket<F, T, A, S>, A]> {
    const accepted = asPromise(() => this.source.accept(SocketClass.accepted, checkWaitOptions(options)));
    // The connection has the listener's family and type, so its address has the shape F names.
    return accepted as Promise<[Socket<F, T, A, S>, A]>;
  }

  /** accept() that never waits, whatever the timeout: null when the queue is empty (no exception to build). */
  [acceptNow](): Promise<[Socket, Address] | null> {
    return asPromise(() => this.source.acceptNow(SocketClass.accepted));
  }

  /** recvfrom() that never waits: null when nothing is queued. */
  [recvfromNow](bufsize: number): Promise<[Buffer, Address | null] | null> {
    return asPromise(() => this.source.recvfromNow(bufsize));
  }

  /** recvmsgInto() that never waits and is done when it returns: null when nothing is queued. */
  [recvmsgNow](buffers: readonly Uint8Array[], ancbufsize = 0, flags = 0): Received<number> | null {
    checkInt(ancbufsize, "ancbufsize", 0, C.INT_MAX);
    return this.source.recvmsgNow(buffers, ancbufsize, checkFlags(flags));
  }

  /** Connects to `address`; a stream socket waits for the handshake, within the socket's timeout. */
  async connect(address: AddressInput, options?: WaitOptions): Promise<void> {
    const signal = checkWaitOptions(options);
    const err = await this.source.connect(await toSockaddr(this.family, address), true, signal);
    if (err !== 0) throw OSError.fromErrno(err, { syscall: "connect" });
  }

  /**
   * As connect(), but resolves with the errno instead of rejecting: 0 on success, EWOULDBLOCK when the timeout
   * ran out. Address errors (TypeError, gaierror) still reject.
   */
  async connectEx(address: AddressInput, options?: WaitOptions): Promise<number> {
    const signal = checkWaitOptions(options);
    return this.source.connect(await toSockaddr(this.family, address), false, signal);
  }

  /** Resolves with at most `bufsize` bytes as soon as any are there; an empty Buffer means the peer closed. */
  recv(bufsize: number, options?: WaitOptions): Promise<Buffer>;
  recv(bufsize: number, flags?: number, options?: WaitOptions): Promise<Buffer>;
  recv(bufsize: number, a?: Slot, b?: Slot): Promise<Buffer> {
    return recvCall(this.source, bufsize, a, b);
  }

  /** Reads into `buffer` (at most `nbytes`, default its length) and resolves with the count. */
  recvInto(buffer: Uint8Array, options?: WaitOptions): Promise<number>;
  recvInto(buffer: Uint8Array, nbytes?: number, flags?: number, options?: WaitOptions): Promise<number>;
  recvInto(buffer: Uint8Array, ...slots: Slot[]): Promise<number> {
    return recvIntoCall(this.source, buffer, ...slots);
  }

  /** Receives a datagram (or stream bytes) and the sender's address (null where the kernel gives none). */
  recvfrom(bufsize: number, options?: WaitOptions): Promise<[Buffer, S]>;
  recvfrom(bufsize: number, flags?: number, options?: WaitOptions): Promise<[Buffer, S]>;
  recvfrom(bufsize: number, ...slots: Slot[]): Promise<[Buffer, S]> {
    // The kernel names the sender of every AF_INET/AF_INET6 datagram (SenderOf says when it may not).
    return recvfromCall(this.source, bufsize, ...slots) as Promise<[Buffer, S]>;
  }

  /** As recvfrom(), into `buffer` (at most `nbytes`, default its length): resolves with [count, address]. */
  recvfromInto(buffer: Uint8Array, options?: WaitOptions): Promise<[number, S]>;
  recvfromInto(buffer: Uint8Array, nbytes?: number, flags?: number, options?: WaitOptions): Promise<[number, S]>;
  recvfromInto(buffer: Uint8Array, ...slots: Slot[]): Promise<[number, S]> {
    return recvfromIntoCall(this.source, buffer, ...slots) as Promise<[number, S]>;
  }

  /**
   * Sends `data` and resolves with how many bytes the kernel took. Without a timeout it waits until the kernel
   * has taken all of it (as a blocking send does); with a timeout it returns what one send took once the socket
   * was writable; with timeout 0 or MSG_DONTWAIT it never waits.
   */
  send(data: Uint8Array, options?: WaitOptions): Promise<number>;
  send(data: Uint8Array, flags?: number, options?: WaitOptions): Promise<number>;
  send(data: Uint8Array, a?: Slot, b?: Slot): Promise<number> {
    return sendCall(this.source, "send", data, a, b);
  }

  /**
   * Sends all of `data`; resolves once the kernel has every byte. The timeout bounds the whole call. Aborted by
   * `signal`, it rejects with an AbortError whose `bytesSent` is exactly what the kernel took.
   */
  sendall(data: Uint8Array, options?: WaitOptions): Promise<void>;
  sendall(data: Uint8Array, flags?: number, options?: WaitOptions): Promise<void>;
  sendall(data: Uint8Array, a?: Slot, b?: Slot): Promise<void> {
    return sendCall(this.source, "sendall", data, a, b);
  }

  /** Sends a datagram to `address`. */
  sendto(data: Uint8Array, address: AddressInput, options?: WaitOptions): Promise<number>;
  sendto(data: Uint8Array, address: AddressInput, flags?: number, options?: WaitOptions): Promise<number>;
  sendto(data: Uint8Array, address: AddressInput, a?: Slot, b?: Slot): Promise<number> {
    const send = async (bytes: Uint8Array, flags: number, signal?: AbortSignal) =>
      this.source.sendto(bytes, flags, await toSockaddr(this.family, address), signal);
    return sendCall(this.source, send, data, a, b);
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
    options?: WaitOptions,
  ): Promise<number> {
    const signal = checkWaitOptions(options);
    checkFlags(flags);
    const name = address === undefined ? null : await toSockaddr(this.family, address);
    return this.source.sendmsg(buffers, ancdata, flags, name, signal);
  }

  /**
   * Python's recvmsg(bufsize, ancbufsize, flags): resolves with [data, ancdata, msgFlags, address]. Received
   * descriptors are close-on-exec (MSG_CMSG_CLOEXEC), so a child process gets them only when they are passed on.
   */
  recvmsg(bufsize: number, options?: WaitOptions): Promise<Received<Buffer>>;
  recvmsg(bufsize: number, ancbufsize?: number, flags?: number, options?: WaitOptions): Promise<Received<Buffer>>;
  recvmsg(bufsize: number, ...slots: Slot[]): Promise<Received<Buffer>> {
    return recvmsgCall(this.source, bufsize, ...slots);
  }

  /** Python's recvmsg_into(buffers, ancbufsize, flags): scatters one message into `buffers`. */
  recvmsgInto(buffers: readonly Uint8Array[], options?: WaitOptions): Promise<Received<number>>;
  recvmsgInto(
    buffers: readonly Uint8Array[],
    ancbufsize?: number,
    flags?: number,
    options?: WaitOptions,
  ): Promise<Received<number>>;
  recvmsgInto(buffers: readonly Uint8Array[], ...slots: Slot[]): Promise<Received<number>> {
    return recvmsgIntoCall(this.source, buffers, ...slots);
  }

  /**
   * Python's socket.sendfile(file, offset, count): sends a file's bytes with sendfile(2), falling back to reads
   * and sends where the kernel cannot; resolves with the bytes sent. `file` is an fd or a FileHandle; an fd's
   * position ends after the last byte sent, as Python leaves the file object's.
   */
  sendfile(file: SendfileSource, options?: WaitOptions): Promise<number>;
  sendfile(file: SendfileSource, offset?: number, count?: number | null, options?: WaitOptions): Promise<number>;
  sendfile(file: SendfileSource, ...slots: Slot<number | null>[]): Promise<number> {
    return sendfileCall(this.source, file, ...slots);
  }

  /**
   * Resolves true once a read (accept, recv, recvfrom) would not wait, false when `timeout` seconds pass or `signal`
   * aborts first: what select() says of this one socket. A socketkit extension, for the serveForever loop.
   */
  async waitReadable(timeout: number | null = null, signal?: AbortSignal): Promise<boolean> {
    const deadline = deadlineFor(checkTimeout(timeout, "timeout"));
    this.source.openFd("select");
    return this.source.wait(READABLE, deadline, signal);
  }

  /**
   * Sets an option: a number (or boolean) is passed as a C int, a Buffer as its bytes; `null` with `optlen` passes
   * a NULL value of that length, as Python's setsockopt(level, option, None, optlen).
   */
  setsockopt(level: number, option: number, value: number | boolean | Uint8Array): void;
  setsockopt(level: number, option: number, value: null, optlen: number): void;
  setsockopt(level: number, option: number, value: number | boolean | Uint8Array | null, optlen?: number): void {
    setOptionForm(this.source.openFd("setsockopt"), level, option, value, optlen);
  }

  /** Reads an option: a C int (also for `buflen` 0, as Python), or with `buflen` its raw bytes (at most `buflen`). */
  getsockopt(level: number, option: number, buflen?: 0): number;
  getsockopt(level: number, option: number, buflen: number): Buffer;
  getsockopt(level: number, option: number, buflen?: number): number | Buffer {
    return getOption(this.source.openFd("getsockopt"), level, option, buflen);
  }

  /** The kernel's TCP_INFO for this TCP socket: state, rto, rtt, retransmits, unacked, … (Linux). */
  tcpInfo(): TcpInfo {
    return tcpInfoOf(this.source.openFd("getsockopt"));
  }

  getsockname(): A {
    return this.source.addressOrThrow(sys.getsockname, "getsockname") as A;
  }

  getpeername(): A {
    return this.source.addressOrThrow(sys.getpeername, "getpeername") as A;
  }

  /** Shuts down reading (SHUT_RD), writing (SHUT_WR, the peer reads EOF) or both, at once. */
  shutdown(how: number): void {
    checkInt(how, "how", C.INT_MIN, C.INT_MAX);
    checkResult(sys.shutdown(this.source.openFd("shutdown"), how), "shutdown");
  }

  settimeout(value: number | null): void {
    const timeout = checkTimeout(value, "value");
    this.source.openFd("settimeout");
    this.source.timeout = timeout;
  }

  gettimeout(): number | null {
    return this.source.timeout;
  }

  /** Python's sock.timeout: the same as gettimeout(). */
  get timeout(): number | null {
    return this.source.timeout;
  }

  /** Whether a child process started with exec inherits the fd (FD_CLOEXEC clear); false for sockets socketkit makes. */
  getInheritable(): boolean {
    return getInheritableFd(this.source.openFd("get_inheritable"));
  }

  setInheritable(inheritable: boolean): void {
    setInheritableFd(this.source.openFd("set_inheritable"), inheritable);
  }

  /** setblocking(true) is settimeout(null); setblocking(false) is settimeout(0). */
  setblocking(flag: boolean): void {
    this.source.openFd("setblocking");
    this.source.timeout = flag ? null : 0;
  }

  getblocking(): boolean {
    return this.source.timeout !== 0;
  }

  /** Closes the socket; safe to call again. Waiting calls reject with EBADF; unread bytes make the kernel reset. */
  close(): void {
    this.refs.close();
  }

  /**
   * Python's makefile(mode, buffering, encoding, errors, newline): a binary file ("rb", "wb", "rwb") or a text
   * file ("r", "w", "rw") over this socket. The fd stays open while a file is, even after close().
   * @throws RangeError for a mode other than r, w and b, or an unbuffered text file
   */
  makefile(mode: BinaryMode, options?: MakefileOptions): SocketFile;
  makefile(mode?: TextMode, options?: MakefileOptions): TextSocketFile;
  makefile(mode: string, options?: MakefileOptions): TextSocketFile | SocketFile;
  makefile(mode = "r", options: MakefileOptions = {}): TextSocketFile | SocketFile {
    return this.refs.open((release) => openFile({ sock: this, release }, mode, options));
  }

  /**
   * A Node Duplex over this connected stream socket, for what takes Node streams: `stream.pipeline`, zlib,
   * `node:tls` (`tls.connect({ socket: sock.asStream() })`, `new tls.TLSSocket(sock.asStream(), { isServer: true })`).
   * It keeps backpressure both ways, `end()` is shutdown(SHUT_WR), the peer's EOF is 'end', and socket errors
   * destroy it. Ownership follows makefile(): the fd stays open while the stream is, even after close(); destroying
   * the stream closes the socket, unless `keepOpen` leaves it yours. A socketkit extension.
   * @throws TypeError for a socket that is not SOCK_STREAM; RangeError for a non-blocking one (timeout 0)
   * @example
   * const tlsSocket = tls.connect({ socket: sock.asStream(), servername: "example.com" });
   */
  asStream(options: StreamOptions = {}): Duplex {
    this.source.openFd("asStream");
    return this.refs.open((release) => new SocketStream({ sock: this, release }, options));
  }

  /**
   * Gives up the fd without closing it and returns it; the Socket is closed afterwards. The fd is left in the
   * mode Python's would be in: blocking when the timeout is null, non-blocking otherwise.
   */
  detach(): number {
    return this.source.detach();
  }

  /** A new Socket on a duplicate of the fd, with the same timeout. */
  dup(): Socket<F, T, A, S> {
    return SocketClass.adopt(this.source.dup()) as Socket<F, T, A, S>;
  }

  toString(): string {
    return reprOf(this.source);
  }

  [inspect.custom](): string {
    return this.toString();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** A Socket over an engine socketkit made itself (non-blocking already), without the checks a caller's fd needs. */
  private static adopt(source: IoSource): Socket {
    // The one caller of the constructor's private form: the engine goes where `family` would.
    return new SocketClass(source as unknown as number);
  }

  /** The Socket for a connection `listener` accepted: as in Python, with the default timeout, never the listener's. */
  private static accepted(this: void, listener: IoSource, fd: number): Socket {
    return SocketClass.adopt(new IoSource(fd, listener.family, listener.type, listener.proto, getdefaulttimeout()));
  }
}

/**
 * A kernel socket with Python's socket.socket interface.
 *
 * Calls that never wait are synchronous (bind, listen, setsockopt, close, …); calls that may wait return
 * promises (accept, connect, recv, send, …) and honour the socket's timeout: null waits as long as it takes,
 * 0 rejects with BlockingIOError instead of waiting, a positive number of seconds rejects with TimeoutError.
 * A call that times out has transferred nothing more than it reported.
 *
 * `F` and `T` are the family and type when the constructor's arguments fix them (`new Socket(AF_INET, SOCK_DGRAM)`):
 * getsockname(), accept() and recvfrom() are then typed by family (an AF_INET datagram's sender is never null).
 * Left out, Python's defaults fix them (`new Socket()` is AF_INET, SOCK_STREAM); a plain `Socket` is any family.
 *
 * @throws OSError (or the subclass Python would raise) when the kernel refuses a call; TypeError or RangeError
 *   naming the argument for a wrong argument; UnsupportedPlatformError off Linux.
 * @example
 * const server = new Socket();
 * server.bind(["127.0.0.1", 0]);
 * server.listen(5);
 * const [conn, address] = await server.accept();
 * @class
 */
export const Socket = Object.defineProperty(SocketClass, "name", { value: "Socket" }) as SocketConstructor;
export type Socket<
  F extends number = number,
  T extends number = number,
  A extends Address = AddressOf<F>,
  S extends Address | null = SenderOf<F, T>,
> = SocketClass<F, T, A, S>;
