// TCPServer: a BaseServer that owns a listening stream socket. UnixStreamServer differs by one setting.

import type { Address, AddressInput, IPv4Address, UnixAddress } from "../socket/address.js";
import * as C from "../socket/constants.js";
import { OSError } from "../socket/errors.js";
import { Socket } from "../socket/socket.js";
import { BaseServer, type RequestHandlerClass } from "./base-server.js";
import { ConnectionLimits, type ConnectionStats } from "./connection-limits.js";
import { defineSettings } from "./settings.js";

/**
 * A server on a stream socket. The constructor binds and listens at once (a port in use throws from it, and
 * `serverAddress` then holds the bound address); with `bindAndActivate = false` call serverBind() and
 * serverActivate() yourself, or useSocket() to serve on a listening socket made elsewhere.
 *
 * Settings are class statics, overridden as `class MyServer extends TCPServer { static requestQueueSize = 50 }`,
 * so that they are in place for the constructor's bind and listen. An instance field declared in a subclass would
 * be set only after the constructor returned; set an instance's value before serverBind()/serverActivate() instead.
 *
 * `A` is the type of `serverAddress`: (host, port) for this AF_INET server, ready for createConnection(); an IPv6
 * subclass (`static addressFamily = AF_INET6`) extends `TCPServer<IPv6Address>`, UnixStreamServer has a path.
 */
export class TCPServer<A extends Address = IPv4Address> extends BaseServer<A> {
  static addressFamily: number = C.AF_INET;
  static socketType: number = C.SOCK_STREAM;
  /** The listen() backlog: the kernel queues requestQueueSize + 1 completed connections. */
  static requestQueueSize = 5;
  static allowReuseAddress = false;
  static allowReusePort = false;
  declare addressFamily: number;
  declare socketType: number;
  declare requestQueueSize: number;
  declare allowReuseAddress: boolean;
  declare allowReusePort: boolean;
  static {
    defineSettings(this, ["addressFamily", "socketType", "requestQueueSize", "allowReuseAddress", "allowReusePort"]);
  }
  // socketkit's connection limits (connection-limits.ts); Python has none of them, so each is off by default.
  /**
   * Seconds a connection may go without a byte either way, as the kernel's tcp_info counts it (and at most since
   * accept), before the server shuts it down with one logMessage() line; null or 0: never. TCP connections only.
   */
  static idleTimeout: number | null = null;
  /** The most connections open at once: the next one is reset at accept with one logMessage() line; null or 0: no cap. */
  static maxConnections: number | null = null;
  /** Seconds between two "too many open files" lines while accept() keeps meeting EMFILE or ENFILE. */
  static outOfFilesLogInterval = 5;
  declare idleTimeout: number | null;
  declare maxConnections: number | null;
  declare outOfFilesLogInterval: number;
  static {
    defineSettings(this, ["idleTimeout", "maxConnections", "outOfFilesLogInterval"]);
  }

  private current: Socket;
  private readonly limits = new ConnectionLimits(this);

  constructor(serverAddress: AddressInput, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    // What the caller gave until serverBind() records the bound address (the kernel's form of it).
    super(serverAddress as A, RequestHandlerClass);
    this.current = new Socket(this.addressFamily, this.socketType);
    if (bindAndActivate) this.bindAndActivate();
  }

  /** The socket the server serves on: the one its constructor made, or the one given to useSocket(). */
  get socket(): Socket {
    return this.current;
  }

  /**
   * serverBind() then serverActivate(); if either fails, serverClose() (an override too) runs before the error
   * propagates.
   */
  bindAndActivate(): void {
    try {
      this.serverBind();
      this.serverActivate();
    } catch (err) {
      // serverClose() closes the socket in its synchronous part; a rejection must not hide the bind error.
      void Promise.resolve()
        .then(() => this.serverClose())
        .catch(() => {});
      this.socket.close();
      throw err;
    }
  }

  /**
   * Serves on `socket`, made elsewhere (by systemd, a predecessor, a worker group, ForkingMixIn's parent), instead
   * of the socket the server had, which is closed: Python's `server.socket = sock`, checked. Construct the server
   * with `bindAndActivate = false`, then call this. `serverAddress` and `addressFamily` follow the socket, and
   * the server owns it from now on (serverClose() closes it).
   * @throws TypeError when `socket` is not of the server's socket type, or (a stream server) does not listen, or
   * (a datagram server) is not bound.
   * @example
   * const server = new ThreadingTCPServer(["localhost", 0], Handler, false);
   * server.useSocket(listenerFromSystemd);
   */
  useSocket(socket: Socket): void {
    checkServerSocket(socket, this.socketType);
    if (socket !== this.current) this.current.close();
    this.current = socket;
    this.addressFamily = socket.family;
    this.serverAddress = socket.getsockname() as A;
  }

  /** Binds to serverAddress (with SO_REUSEADDR / SO_REUSEPORT when allowed) and records the real address. */
  serverBind(): void {
    const inet = this.addressFamily === C.AF_INET || this.addressFamily === C.AF_INET6;
    if (this.allowReuseAddress && inet) this.socket.setsockopt(C.SOL_SOCKET, C.SO_REUSEADDR, 1);
    if (this.allowReusePort && inet) this.socket.setsockopt(C.SOL_SOCKET, C.SO_REUSEPORT, 1);
    this.socket.bind(this.serverAddress);
    // The socket's family is the class's, so its name has the shape A names.
    this.serverAddress = this.socket.getsockname() as A;
  }

  override serverActivate(): void {
    this.socket.listen(this.requestQueueSize);
  }

  override serverClose(): Promise<void> {
    this.socket.close();
    return Promise.resolve();
  }

  fileno(): number {
    return this.socket.fileno();
  }

  /**
   * accept(), never waiting: the loop calls it after readiness, and another process may have taken the connection.
   * A connection beyond maxConnections is refused here (resolving null); the others are counted until closeRequest().
   */
  override getRequest(): Promise<[unknown, Address] | null> {
    return this.limits.accept(this.socket);
  }

  /** What the connection limits did so far, and the connections open now (socketkit). */
  get connectionStats(): ConnectionStats {
    return this.limits.stats();
  }

  /** Where the server's own lines go (idle timeout, connection cap, open-file limit): standard error (socketkit). */
  logMessage(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  protected override socketTimeout(): number | null {
    return this.socket.gettimeout();
  }

  /**
   * Waits until a request can be taken. Once the socket is closed (serverClose() while serveForever() runs) the
   * loop keeps running until shutdown(), as Python's, but waits for that quietly instead of retrying accept().
   */
  protected override waitForRequest(timeout: number | null, signal?: AbortSignal): Promise<boolean> {
    if (this.socket.closed) return closedWait(timeout, signal);
    return this.socket.waitReadable(timeout, signal);
  }

  /** Shuts down the write side (the client reads EOF), as Python does, then closes. */
  override shutdownRequest(request: unknown): void {
    try {
      (request as Socket).shutdown(C.SHUT_WR);
    } catch (err) {
      // Already closed by the handler, or the peer is gone: nothing left to shut down.
      if (!(err instanceof OSError)) throw err;
    }
    this.closeRequest(request);
  }

  override closeRequest(request: unknown): void {
    this.limits.release(request);
    (request as Socket).close();
  }
}

/** A TCPServer on an AF_UNIX stream socket; serverAddress is a path. */
export class UnixStreamServer extends TCPServer<UnixAddress> {
  static override addressFamily: number = C.AF_UNIX;
}

/** What a closed server socket's wait is: false once `timeout` seconds pass or `signal` aborts (no readiness). */
function closedWait(timeout: number | null, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const done = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve(false);
    };
    const timer = timeout === null ? undefined : setTimeout(done, timeout * 1000);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** useSocket()'s check: a socket of the server's type that listens (a stream server) or is bound (a datagram one). */
function checkServerSocket(socket: Socket, socketType: number): void {
  const stream = socketType === C.SOCK_STREAM;
  const ready = stream ? socket.getsockopt(C.SOL_SOCKET, C.SO_ACCEPTCONN) === 1 : isBound(socket.getsockname());
  if (socket.type !== socketType || !ready) {
    throw new TypeError(`${String(socket)} is not a ${stream ? "listening" : "bound"} socket of type ${socketType}`);
  }
}

/** True for a socket name that is not the unbound one (port 0, or an AF_UNIX socket without a name). */
function isBound(name: Address): boolean {
  return Array.isArray(name) ? name[1] !== 0 : name.length > 0;
}
