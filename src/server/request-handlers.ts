// Request handlers, as Python's socketserver: one object per request whose setup(), handle() and finish() the
// server calls in that order (finish() even when handle() throws). Override handle(); setup() and finish() of
// the stream and datagram handlers prepare and flush rfile and wfile.

import type { Address, InetAddress } from "../socket/address.js";
import * as C from "../socket/constants.js";
import {
  BufferedReader,
  BytesWriter,
  bytesReader,
  SocketFile,
  SocketWriter,
  type WritableFile,
} from "../socket/socket-file.js";
import { OSError } from "../socket/errors.js";
import type { Socket } from "../socket/socket.js";

/** The client address of a TCP or UDP request; Unix handlers use BaseRequestHandler<Socket, string>. */
export type { InetAddress };

/** A datagram request: the packet and the server's socket to answer on. */
export type DatagramRequest = [packet: Buffer, socket: Socket];

/** The base handler: keeps request, clientAddress and server; each hook may be async. */
export class BaseRequestHandler<R = Socket, A extends Address = InetAddress, S = unknown> {
  constructor(
    readonly request: R,
    readonly clientAddress: A,
    readonly server: S,
  ) {}

  setup(): void | Promise<void> {}
  handle(): void | Promise<void> {}
  finish(): void | Promise<void> {}
}

/** A handler as the server runs it, whatever request, address and server types its class was written for. */
export type RunnableHandler = BaseRequestHandler<unknown, Address, unknown>;

/**
 * Runs a handler's lifecycle, as Python's BaseRequestHandler.__init__ does: finish() runs even when handle()
 * throws (and what finish() throws replaces it), not when setup() does. A promise chain rather than an async
 * function: a suspended async frame costs about 450 bytes, and every idle connection would hold one here.
 */
export function runHandler(handler: RunnableHandler): Promise<void> {
  try {
    const setup = handler.setup();
    // A synchronous setup() goes straight on; anything else (a promise, any thenable) is waited for, as await would.
    return setup === undefined
      ? handleThenFinish(handler)
      : Promise.resolve(setup).then(() => handleThenFinish(handler));
  } catch (err) {
    return Promise.reject(err);
  }
}

function handleThenFinish(handler: RunnableHandler): Promise<void> {
  let handled: Promise<void>;
  try {
    handled = Promise.resolve(handler.handle());
  } catch (err) {
    handled = Promise.reject(err);
  }
  return handled.then(
    () => handler.finish(),
    async (err: unknown) => {
      await handler.finish();
      throw err;
    },
  );
}

/**
 * A handler for stream requests with file-like `rfile` (readline, read, `for await` over lines) and `wfile`
 * (write). As in Python: `rbufsize` (-1, the default buffer) sizes rfile's buffer; `wbufsize` 0 (the default)
 * makes every wfile.write() a sendall(), a larger one buffers writes until flush() or finish(); `timeout`
 * (seconds) applies to the connection; `disableNagleAlgorithm` sets TCP_NODELAY.
 */
export class StreamRequestHandler<A extends Address = InetAddress, S = unknown> extends BaseRequestHandler<
  Socket,
  A,
  S
> {
  static rbufsize = -1;
  static wbufsize = 0;
  static timeout: number | null = null;
  static disableNagleAlgorithm = false;
  connection!: Socket;
  rfile!: SocketFile;
  wfile!: WritableFile & { fileno(): number };

  override setup(): void {
    const Class = this.constructor as typeof StreamRequestHandler;
    this.connection = this.request;
    if (Class.timeout !== null) this.connection.settimeout(Class.timeout);
    if (Class.disableNagleAlgorithm) this.connection.setsockopt(C.IPPROTO_TCP, C.TCP_NODELAY, 1);
    this.rfile = this.connection.makefile("rb", { buffering: Class.rbufsize });
    this.wfile =
      Class.wbufsize === 0
        ? new SocketWriter(this.connection)
        : this.connection.makefile("wb", { buffering: Class.wbufsize });
  }

  override async finish(): Promise<void> {
    if (!this.wfile.closed) {
      try {
        await this.wfile.flush();
      } catch (err) {
        // As Python: a last socket error here (the client went away) is not the handler's failure.
        if (!(err instanceof OSError)) throw err;
      }
    }
    await this.wfile.close();
    await this.rfile.close();
  }
}

/** A handler for datagrams: `packet` in, and whatever handle() writes to `wfile` is sent back after finish(). */
export class DatagramRequestHandler<A extends Address = InetAddress, S = unknown> extends BaseRequestHandler<
  DatagramRequest,
  A,
  S
> {
  packet!: Buffer;
  socket!: Socket;
  rfile!: BufferedReader;
  wfile!: BytesWriter;

  override setup(): void {
    [this.packet, this.socket] = this.request;
    this.rfile = bytesReader(this.packet);
    this.wfile = new BytesWriter();
  }

  override async finish(): Promise<void> {
    // As in Python, the reply is sent even when empty: the client learns its datagram was handled.
    await this.socket.sendto(this.wfile.getvalue(), this.clientAddress);
  }
}
