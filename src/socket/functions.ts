// The socket module's functions, as Python's: socket(), socketpair(), getaddrinfo(), create_connection(),
// create_server() and friends, built on the Socket class.

import { hostname } from "node:os";
import * as C from "../libc/constants.js";
import { getaddrinfoAsync } from "../libc/resolver.js";
import { loadSyscalls, sys } from "../libc/syscalls.js";
import { fromSockaddr, gaiError, type Address, type AddressInput } from "./address.js";
import { formatAddress } from "./repr.js";
import { AddressFamily, SocketKind } from "./constants.js";
import { E } from "../libc/errno.js";
import { AbortError, isOptions, positional, signalOf, throwIfAborted, type WaitOptions } from "./abort.js";
import { checkInt } from "./arguments.js";
import { errorFromResult, OSError } from "./errors.js";
import { Socket } from "./socket.js";
import { checkTimeout } from "./timeout.js";

/** socket(family, type, proto): a new Socket, as Python's socket.socket(). */
export function socket(family?: number, type?: number, proto?: number, fileno?: number): Socket {
  return new Socket(family, type, proto, fileno);
}

/** A pair of connected sockets (AF_UNIX, SOCK_STREAM unless told otherwise). */
export function socketpair(family: number = C.AF_UNIX, type: number = C.SOCK_STREAM, proto = 0): [Socket, Socket] {
  loadSyscalls();
  const fds = Buffer.alloc(8);
  const r = sys.socketpair(family, type | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, proto, fds);
  if (r < 0) throw errorFromResult(r, "socketpair");
  const ends = [fds.readInt32LE(0), fds.readInt32LE(4)];
  try {
    return [new Socket(family, type, proto, ends[0]), new Socket(family, type, proto, ends[1])];
  } catch (err) {
    // The kernel made both ends before the Socket refused them: close them rather than leak them.
    for (const fd of ends) sys.close(fd);
    throw err;
  }
}

/**
 * One getaddrinfo() result, as Python's 5-tuple (family, type, proto, canonname, sockaddr). family and type are
 * AddressFamily and SocketKind members, which in TypeScript are the numbers themselves: `familyName(family)`
 * gives Python's "AddressFamily.AF_INET" and `AddressFamily[family]` the bare name.
 */
export type AddrInfo = [family: AddressFamily, type: SocketKind, proto: number, canonname: string, sockaddr: Address];

/** getaddrinfo's host as libc takes it: text, or bytes as they are and NUL-terminated (Python's bytes host). */
function hostArgument(host: unknown): string | Buffer | null {
  if (host !== null && typeof host !== "string" && !(host instanceof Uint8Array))
    throw new TypeError(`host must be a string, bytes or null, got ${typeof host}`);
  // Python's getaddrinfo hands libc the name up to a NUL and resolves that; an allow-list check on the whole
  // string would pass "127.0.0.1\0.allowed.example". socketkit refuses it, as Python's connect() and bind() do.
  if (typeof host === "string" ? host.includes("\0") : host?.includes(0))
    throw new TypeError("host name must not contain null character");
  return host instanceof Uint8Array ? Buffer.concat([host, Buffer.alloc(1)]) : host;
}

/** getaddrinfo's port as libc takes it: a number or a service name, as text or bytes; null for none. */
function portArgument(port: unknown): string | null {
  if (port === null) return null;
  if (port instanceof Uint8Array) return Buffer.from(port).toString("latin1");
  if (typeof port !== "string" && typeof port !== "number")
    throw new TypeError(`port must be a number, a string, bytes or null, got ${typeof port}`);
  return String(port);
}

/**
 * Resolves `host` and `port` as Python's socket.getaddrinfo(), off the event loop. `host` and `port` may be bytes,
 * as in Python.
 * @throws GaiError for names that do not resolve ("[Errno -2] Name or service not known").
 */
export async function getaddrinfo(
  host: string | Uint8Array | null,
  port: string | number | Uint8Array | null,
  family = 0,
  type = 0,
  proto = 0,
  flags = 0,
): Promise<AddrInfo[]> {
  const name = hostArgument(host);
  const service = portArgument(port);
  loadSyscalls();
  try {
    const entries = await getaddrinfoAsync(name, service, { family, type, protocol: proto, flags });
    return entries.map((e) => [e.family, e.type, e.protocol, e.canonname, fromSockaddr(e.sockaddr, e.sockaddr.length)]);
  } catch (err) {
    throw gaiError(err);
  }
}

export function gethostname(): string {
  return hostname();
}

/** createConnection()'s keyword options: Python's `all_errors`, and the `signal` every waiting call takes. */
export interface CreateConnectionOptions extends WaitOptions {
  allErrors?: boolean | undefined;
}

/**
 * Connects to a TCP service at (host, port), trying each address the name resolves to, as Python's
 * socket.create_connection(). The socket carries the protocol the resolver returned (6 for TCP). Aborting
 * `signal` rejects with AbortError and closes the socket being connected; the name look-up itself cannot be
 * stopped (getaddrinfo(3) runs to its end on the worker pool), so an abort during it rejects once it returns.
 *
 * @throws GaiError when the name does not resolve; the last address's OSError (ConnectionRefusedError, …) or
 *   TimeoutError when none accepts.
 * @example
 * const sock = await createConnection(["localhost", 12345], 5);
 * await sock.sendall(Buffer.from("hello"));
 */
export async function createConnection(
  address: readonly [string, number],
  options?: CreateConnectionOptions,
): Promise<Socket>;
export async function createConnection(
  address: readonly [string, number],
  timeout?: number | null,
  sourceAddress?: readonly [string, number],
  options?: CreateConnectionOptions,
): Promise<Socket>;
export async function createConnection(
  address: readonly [string, number],
  timeout?: number | null,
  options?: CreateConnectionOptions,
): Promise<Socket>;
export async function createConnection(
  address: readonly [string, number],
  a?: number | null | CreateConnectionOptions,
  b?: readonly [string, number] | CreateConnectionOptions,
  c?: CreateConnectionOptions,
): Promise<Socket> {
  if (!Array.isArray(address) || address.length !== 2) throw new TypeError("address must be a tuple (host, port)");
  const signal = signalOf(a, b, c);
  const options: CreateConnectionOptions = [a, b, c].find(isOptions) ?? {};
  const timeout = positional<number | null | undefined>(a, undefined);
  const sourceAddress = positional<readonly [string, number] | undefined>(b, undefined);
  const [host, port] = address;
  const limit = timeout === undefined ? undefined : checkTimeout(timeout);
  throwIfAborted(signal);
  const entries = await getaddrinfo(host, port, 0, C.SOCK_STREAM);
  throwIfAborted(signal);
  const errors: unknown[] = [];
  for (const [family, type, proto, , sockaddr] of entries) {
    let sock: Socket | null = null;
    try {
      sock = new Socket(family, type, proto);
      if (limit !== undefined) sock.settimeout(limit);
      if (sourceAddress) sock.bind(sourceAddress);
      await sock.connect(sockaddr, { signal });
      return sock;
    } catch (err) {
      sock?.close();
      // An abort ends the whole call: the next address is not tried.
      if (err instanceof AbortError) throw err;
      errors.push(err);
    }
  }
  if (errors.length === 0) throw new OSError(null, "getaddrinfo returns an empty list");
  // Python 3.11's all_errors raises an ExceptionGroup; JavaScript's own form of one is AggregateError.
  if (options.allErrors) throw new AggregateError(errors, "create_connection failed");
  throw errors[errors.length - 1];
}

export interface CreateServerOptions<F extends number = number> {
  family?: F;
  backlog?: number | null;
  reusePort?: boolean;
  dualstackIpv6?: boolean;
}

/** True when an AF_INET6 socket can also accept IPv4 connections (IPV6_V6ONLY off). */
export function hasDualstackIpv6(): boolean {
  try {
    const probe = new Socket(C.AF_INET6, C.SOCK_STREAM);
    try {
      probe.setsockopt(C.IPPROTO_IPV6, C.IPV6_V6ONLY, 0);
      return true;
    } finally {
      probe.close();
    }
  } catch (err) {
    if (err instanceof OSError) return false;
    throw err;
  }
}

/**
 * A listening TCP socket bound to `address`, with SO_REUSEADDR, as Python's socket.create_server().
 *
 * @throws OSError ("[Errno 98] Address already in use", …), the socket closed first; RangeError for
 *   dualstackIpv6 without AF_INET6 or without dual-stack support.
 * @example
 * const server = createServer(["", 8080], { backlog: 128 });
 * const [conn, address] = await server.accept();
 */
export function createServer<F extends number = AddressFamily.AF_INET>(
  address: AddressInput,
  options: CreateServerOptions<F> = {},
): Socket<F, SocketKind.SOCK_STREAM> {
  const { family = C.AF_INET, backlog = null, reusePort = false, dualstackIpv6 = false } = options;
  if (dualstackIpv6 && family !== C.AF_INET6) throw new RangeError("dualstackIpv6 requires family AF_INET6");
  if (dualstackIpv6 && !hasDualstackIpv6()) throw new RangeError("dualstackIpv6 is not supported on this host");
  // F is the family given, or AF_INET when none is (its default): the one case where the two could part is an
  // explicit type argument without the family, which the type of `options` cannot forbid.
  const sock = new Socket(family as F, C.SOCK_STREAM);
  try {
    // Without SO_REUSEADDR a restarted server cannot bind while old connections sit in TIME-WAIT.
    sock.setsockopt(C.SOL_SOCKET, C.SO_REUSEADDR, 1);
    if (reusePort) sock.setsockopt(C.SOL_SOCKET, C.SO_REUSEPORT, 1);
    if (family === C.AF_INET6) sock.setsockopt(C.IPPROTO_IPV6, C.IPV6_V6ONLY, dualstackIpv6 ? 0 : 1);
    try {
      sock.bind(address);
    } catch (err) {
      // As Python: the address in the message, so that "Address already in use" says which one.
      if (!(err instanceof OSError) || err.errno === null) throw err;
      const shown = formatAddress(address as Address);
      throw OSError.withMessage(err.errno, `${err.strerror} (while attempting to bind on address ${shown})`, {
        syscall: "bind",
      });
    }
    if (backlog === null) sock.listen();
    else sock.listen(backlog);
    return sock;
  } catch (err) {
    sock.close();
    throw err;
  }
}

/** A Socket on a duplicate of `fd` (which stays open), as Python's socket.fromfd(fd, family, type, proto). */
export function fromfd(fd: number, family: number, type: number, proto = 0): Socket {
  loadSyscalls();
  checkInt(fd, "fd", 0, C.INT_MAX);
  const copy = sys.dup(fd);
  if (copy < 0) throw errorFromResult(copy, "dup");
  try {
    return new Socket(family, type, proto, copy);
  } catch (err) {
    sys.close(copy);
    throw err;
  }
}

/** Closes a socket's file descriptor, as Python's socket.close(fd). */
export function close(fd: number): void {
  loadSyscalls();
  checkInt(fd, "fd", 0, C.INT_MAX);
  const r = sys.close(fd);
  // As Python: a peer's reset reported at close is not the caller's failure.
  if (r < 0 && r !== -E.ECONNRESET) throw errorFromResult(r, "close");
}

/** Python's socket.has_ipv6: this build supports IPv6 (whether the host has it configured is another matter). */
export const hasIpv6 = true;

/** A new fd for the same open socket, close-on-exec, as Python's socket.dup(fd). */
export function dup(fd: number): number {
  loadSyscalls();
  checkInt(fd, "fd", 0, C.INT_MAX);
  const copy = sys.dup(fd);
  if (copy < 0) throw errorFromResult(copy, "dup");
  return copy;
}
