// Socket.asStream(): a Node Duplex over a connected stream socket, the bridge to what takes Node streams
// (stream.pipeline, zlib, node:tls). It adds no buffer of its own beyond the streams' high-water marks: it asks
// the kernel for bytes only while the reader wants them, and a write completes only once the kernel took it.

import { Duplex } from "node:stream";
import { SHUT_WR, SOCK_STREAM } from "../libc/constants.js";
import { AbortError } from "./abort.js";
import { checkInt } from "./arguments.js";
import type { Socket } from "./socket.js";

/** Options of asStream(). */
export interface StreamOptions {
  /**
   * Keep the socket open when the stream is destroyed or ends (default false: the stream owns the socket and
   * closes it, as a file from makefile() closes a socket that was closed while the file was open).
   */
  keepOpen?: boolean;
  /** Bytes asked of the kernel per read (default 64 KiB). */
  readSize?: number;
  /** The Duplex's high-water marks (bytes); Node's default (16 KiB) otherwise. */
  highWaterMark?: number;
  /**
   * Whether the writable side stays open after the peer's EOF ('end'), and the other way round (default true: a
   * TCP connection is two independent directions; node:net's default is false).
   */
  allowHalfOpen?: boolean;
}

/** What a stream needs from its socket: the socket, and a callback for when the stream no longer keeps it open. */
export interface StreamSocket {
  sock: Socket;
  release(): void;
}

const DEFAULT_READ_SIZE = 64 * 1024;

/**
 * A Duplex over a socket. Reads: one recv() at a time, only while the readable side wants data (push() said
 * yes), so a slow reader leaves bytes in the kernel and the peer's window closes. Writes: each chunk is one
 * sendall(), whose callback waits for the kernel, so a slow peer fills the writable buffer and write() returns
 * false. end() is shutdown(SHUT_WR); the peer's EOF is 'end'; socket errors destroy the stream with the OSError,
 * and destroy() cancels the calls in flight (with an AbortSignal) before the socket is let go.
 */
export class SocketStream extends Duplex {
  private readonly owner: StreamSocket;
  private readonly keepOpen: boolean;
  private readonly readSize: number;
  private readonly stop = new AbortController();
  private reading = false;
  private released = false;

  /** @throws TypeError for a socket that is not SOCK_STREAM; RangeError for a non-blocking one (timeout 0) */
  constructor(owner: StreamSocket, options: StreamOptions = {}) {
    if (owner.sock.type !== SOCK_STREAM) throw new TypeError("asStream() needs a SOCK_STREAM socket");
    if (owner.sock.gettimeout() === 0) throw new RangeError("non-blocking sockets are not supported");
    const { keepOpen = false, readSize = DEFAULT_READ_SIZE, highWaterMark, allowHalfOpen = true } = options;
    checkInt(readSize, "readSize", 1, 1 << 30);
    super({ allowHalfOpen, ...(highWaterMark === undefined ? {} : { highWaterMark }) });
    this.owner = owner;
    this.keepOpen = keepOpen;
    this.readSize = readSize;
  }

  /** The socket under the stream. */
  get socket(): Socket {
    return this.owner.sock;
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    this.owner.sock.recv(this.readSize, 0, { signal: this.stop.signal }).then(
      (data) => {
        this.reading = false;
        if (data.length === 0) this.push(null);
        // push() says whether the reader wants more: if so, read on; if not, _read() comes again when it does.
        else if (this.push(data)) this._read();
      },
      (err: unknown) => {
        this.reading = false;
        if (!(err instanceof AbortError)) this.destroy(err as Error);
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send(chunk, callback);
  }

  /** Chunks that queued while a send waited go out as one sendall(). */
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.send(Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  /** One sendall(); the callback (and so the next write) waits until the kernel took every byte. */
  private send(data: Buffer, callback: (error?: Error | null) => void): void {
    this.owner.sock.sendall(data, 0, { signal: this.stop.signal }).then(
      () => callback(),
      (err: unknown) => callback(err as Error),
    );
  }

  /** end(): the peer reads EOF, and this side may go on reading. */
  override _final(callback: (error?: Error | null) => void): void {
    try {
      if (!this.owner.sock.closed) this.owner.sock.shutdown(SHUT_WR);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stop.abort();
    this.letGo();
    callback(error);
  }

  /** Lets go of the socket once: closes it unless keepOpen, and ends this stream's hold on its fd. */
  private letGo(): void {
    if (this.released) return;
    this.released = true;
    this.owner.release();
    if (!this.keepOpen) this.owner.sock.close();
  }
}
