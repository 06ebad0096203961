// File-like views of a socket, as Python's socket.makefile() gives: a buffered binary file (read, readline,
// `for await` over lines, write, flush), a text file over it (text-file.ts), and the raw unbuffered form. Every
// byte still comes from recv() and goes out with send(); the buffer here holds only what a read asked the kernel
// for beyond the line or count the caller wanted, as Python's BufferedReader does.

import type { Socket } from "./socket.js";
import { checkWaitOptions, type WaitOptions } from "./abort.js";
import { OSError, TimeoutError } from "./errors.js";
import { UnsupportedOperation } from "./unsupported-operation.js";
import { TextSocketFile } from "./text-file.js";

const NEWLINE = 0x0a;
/** Python's io.DEFAULT_BUFFER_SIZE. */
export const DEFAULT_BUFFER_SIZE = 8192;

/** Where a BufferedReader gets more bytes: at most `size` of them, or an empty Buffer at EOF. */
export type ByteSource = (size: number, signal?: AbortSignal) => Promise<Buffer>;

/**
 * A buffered reader with Python's readline()/read()/read1() over any byte source (a socket, or one datagram).
 * Iterating it with `for await` yields lines, each with its "\n", until EOF.
 */
export class BufferedReader implements AsyncIterable<Buffer> {
  private buffer: Buffer = Buffer.alloc(0);
  private eof = false;

  constructor(
    private readonly source: ByteSource,
    private readonly chunk = DEFAULT_BUFFER_SIZE,
  ) {}

  /** One line including its "\n"; at most `limit` bytes when limit ≥ 0; the rest of the stream's bytes at EOF. */
  async readline(limit = -1, signal?: AbortSignal): Promise<Buffer> {
    let scanned = 0;
    for (;;) {
      const nl = this.buffer.indexOf(NEWLINE, scanned);
      const end = nl >= 0 ? nl + 1 : -1;
      if (end >= 0 && (limit < 0 || end <= limit)) return this.consume(end);
      if (limit >= 0 && this.buffer.length >= limit) return this.consume(limit);
      if (this.eof) return this.consume(this.buffer.length);
      scanned = this.buffer.length;
      await this.fill(signal);
    }
  }

  /** `n` bytes (fewer only at EOF), or with no argument everything up to EOF. */
  async read(n = -1, signal?: AbortSignal): Promise<Buffer> {
    while (!this.eof && (n < 0 || this.buffer.length < n)) await this.fill(signal);
    return this.consume(n < 0 ? this.buffer.length : Math.min(n, this.buffer.length));
  }

  /** At most `n` bytes with at most one read from the source: what is buffered, or one fresh chunk. */
  async read1(n = -1, signal?: AbortSignal): Promise<Buffer> {
    if (this.buffer.length === 0 && !this.eof) await this.fill(signal);
    return this.consume(n < 0 ? this.buffer.length : Math.min(n, this.buffer.length));
  }

  /** Every line up to EOF (or until `hint` bytes have been read, when hint > 0). */
  async readlines(hint = -1): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    let total = 0;
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return lines;
      lines.push(line);
      total += line.length;
      if (hint > 0 && total >= hint) return lines;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  private async fill(signal?: AbortSignal): Promise<void> {
    const more = await this.source(this.chunk, signal);
    if (more.length === 0) this.eof = true;
    else this.buffer = this.buffer.length === 0 ? more : Buffer.concat([this.buffer, more]);
  }

  private consume(n: number): Buffer {
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }
}

/** A reader over bytes already in hand (a datagram). */
export function bytesReader(data: Uint8Array): BufferedReader {
  let given = false;
  return new BufferedReader(() => {
    if (given) return Promise.resolve(Buffer.alloc(0));
    given = true;
    return Promise.resolve(Buffer.from(data));
  });
}

/** What a handler's wfile offers, whichever class it is (SocketWriter, SocketFile, BytesWriter). */
export interface WritableFile {
  write(data: Uint8Array): Promise<number>;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly closed: boolean;
}

/** What a file.write() accepts: bytes, or Python's TypeError naming what it got instead. */
function checkWritable(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`a bytes-like object is required, not '${typeof data}'`);
}

/** A writer with no buffer of its own: flush() has nothing to do and close() only marks it closed. */
abstract class WriteThrough implements WritableFile {
  protected _closed = false;

  abstract write(data: Uint8Array): Promise<number>;

  async flush(): Promise<void> {}

  close(): Promise<void> {
    this._closed = true;
    return Promise.resolve();
  }

  get closed(): boolean {
    return this._closed;
  }
}

/** Python's socketserver._SocketWriter: each write() is a sendall(), so it honours the peer's backpressure. */
export class SocketWriter extends WriteThrough {
  constructor(private readonly sock: Socket) {
    super();
  }

  /** Sends `data` and resolves with its length once the kernel has it all. */
  async write(data: Uint8Array): Promise<number> {
    if (this._closed) throw new RangeError("I/O operation on closed file.");
    await this.sock.sendall(checkWritable(data));
    return data.length;
  }

  writable(): boolean {
    return true;
  }

  /** The socket's fd, as Python's wfile.fileno(). */
  fileno(): number {
    return this.sock.fileno();
  }
}

/** Collects writes in memory, as Python's io.BytesIO: a datagram handler's reply. */
export class BytesWriter extends WriteThrough {
  private readonly parts: Buffer[] = [];

  // eslint-disable-next-line @typescript-eslint/require-await -- a bad argument rejects, as in every write()
  async write(data: Uint8Array): Promise<number> {
    this.parts.push(Buffer.from(checkWritable(data)));
    return data.length;
  }

  getvalue(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** makefile()'s text modes: a TextSocketFile. */
export type TextMode = "r" | "w" | "rw" | "wr";
/** makefile()'s binary modes, the letters in any order: a SocketFile. */
export type BinaryMode = "rb" | "br" | "wb" | "bw" | "rwb" | "rbw" | "wrb" | "wbr" | "brw" | "bwr";

/** Options of makefile(), as Python's. */
export interface MakefileOptions {
  /** -1 or null: DEFAULT_BUFFER_SIZE; 0: unbuffered (binary only); n: an n-byte buffer. */
  buffering?: number | null;
  encoding?: string | null;
  errors?: string | null;
  newline?: string | null;
}

/** What a file needs from its socket: the socket, and a callback for when the file no longer keeps it open. */
export interface FileSocket {
  sock: Socket;
  release(): void;
}

/**
 * A binary file over a socket, as Python's makefile('rb' | 'wb' | 'rwb'): buffered unless `buffering` is 0.
 * While it is open the socket's fd stays open even if the socket is closed, as in Python. After a read times out
 * the file refuses further reads ("cannot read from timed out object"): bytes may have been lost mid-line.
 */
export class SocketFile implements AsyncIterable<Buffer>, WritableFile {
  private readonly reader: BufferedReader | null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timedOut = false;
  private _closed = false;

  constructor(
    private readonly owner: FileSocket,
    readonly mode: string,
    private readonly bufferSize: number,
  ) {
    const sock = owner.sock;
    const guarded = (size: number, signal?: AbortSignal) => this.guardRead(() => sock.recv(size, 0, { signal }));
    this.reader = mode.includes("r") ? new BufferedReader(guarded, Math.max(1, bufferSize)) : null;
  }

  /** Python's file.name: the fd. */
  get name(): number {
    return this.owner.sock.fileno();
  }

  get closed(): boolean {
    return this._closed;
  }

  fileno(): number {
    this.checkOpen();
    return this.owner.sock.fileno();
  }

  readable(): boolean {
    this.checkOpen();
    return this.reader !== null;
  }

  writable(): boolean {
    this.checkOpen();
    return this.mode.includes("w");
  }

  seekable(): boolean {
    return false;
  }

  /**
   * `n` bytes (fewer only at EOF), or everything up to EOF; unbuffered, at most `n` bytes from one recv.
   * `signal` aborts the wait for more (bytes already read stay buffered for the next read).
   */
  read(n = -1, options?: WaitOptions): Promise<Buffer> {
    const reader = this.readerOrThrow();
    const signal = checkWaitOptions(options);
    if (this.bufferSize === 0 && n >= 0) return this.guardRead(() => this.owner.sock.recv(n, 0, { signal }));
    return reader.read(n, signal);
  }

  read1(n = -1, options?: WaitOptions): Promise<Buffer> {
    return this.readerOrThrow().read1(n, checkWaitOptions(options));
  }

  /** One line with its "\n" (at most `limit` bytes when limit ≥ 0); `signal` aborts the wait for the rest. */
  readline(limit = -1, options?: WaitOptions): Promise<Buffer> {
    return this.readerOrThrow().readline(limit, checkWaitOptions(options));
  }

  readlines(hint = -1): Promise<Buffer[]> {
    return this.readerOrThrow().readlines(hint);
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.readerOrThrow()[Symbol.asyncIterator]();
  }

  /**
   * Buffers `data` and sends whenever the buffer fills; resolves with its length. Unbuffered, it is one send()
   * and resolves with what the kernel took, as Python's raw SocketIO.write.
   */
  async write(data: Uint8Array, options?: WaitOptions): Promise<number> {
    this.checkOpen();
    if (!this.mode.includes("w")) throw new UnsupportedOperation("write");
    checkWritable(data);
    if (this.bufferSize === 0) return this.owner.sock.send(data, 0, options);
    this.pending.push(Buffer.from(data));
    this.pendingBytes += data.length;
    if (this.pendingBytes >= this.bufferSize) await this.flush(options);
    return data.length;
  }

  /**
   * Sends everything buffered. Aborted by `signal`, what the kernel did not take stays buffered for the next
   * flush (the AbortError's `bytesSent` says how much went).
   */
  async flush(options?: WaitOptions): Promise<void> {
    this.checkOpen();
    if (this.pendingBytes === 0) return;
    const out = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      await this.owner.sock.sendall(out, 0, options);
    } catch (err) {
      const sent = (err as { bytesSent?: unknown }).bytesSent;
      if (typeof sent === "number") this.keepUnsent(out.subarray(sent));
      throw err;
    }
  }

  /** Puts bytes a cancelled flush did not send back at the front of the buffer. */
  private keepUnsent(rest: Buffer): void {
    this.pending.unshift(rest);
    this.pendingBytes += rest.length;
  }

  /** Flushes, then lets go of the socket (which closes now if it was closed while this file was open). */
  async close(): Promise<void> {
    if (this._closed) return;
    try {
      if (this.pendingBytes > 0 && !this.owner.sock.closed) await this.flush();
    } finally {
      this._closed = true;
      this.owner.release();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private readerOrThrow(): BufferedReader {
    this.checkOpen();
    if (this.reader === null) throw new UnsupportedOperation("read");
    return this.reader;
  }

  private async guardRead(read: () => Promise<Buffer>): Promise<Buffer> {
    if (this.timedOut) throw new OSError(null, "cannot read from timed out object");
    try {
      return await read();
    } catch (err) {
      if (err instanceof TimeoutError && err.errno === null) this.timedOut = true;
      throw err;
    }
  }

  private checkOpen(): void {
    if (this._closed) throw new RangeError("I/O operation on closed file.");
  }
}

/** Checks makefile()'s mode as Python does: only r, w and b. */
function checkMode(mode: string): void {
  if (
    typeof mode !== "string" ||
    mode.length === 0 ||
    [...mode].some((c) => !"rwb".includes(c)) ||
    new Set(mode).size !== mode.length
  ) {
    throw new RangeError(`invalid mode '${String(mode)}' (only r, w, b allowed)`);
  }
}

/**
 * The file makefile(mode, options) gives over `owner`'s socket: binary ("rb", "wb", "rwb"), or text ("r", "w",
 * "rw") over a binary one.
 * @throws RangeError for a mode other than r, w and b, or an unbuffered text file
 */
export function openFile(owner: FileSocket, mode: string, options: MakefileOptions): TextSocketFile | SocketFile {
  checkMode(mode);
  const buffering = options.buffering ?? -1;
  const binary = mode.includes("b");
  if (!binary && buffering === 0) throw new RangeError("unbuffered streams must be binary");
  const rawMode = (mode.includes("r") ? "r" : "") + (mode.includes("w") ? "w" : "");
  const file = new SocketFile(owner, `${rawMode}b`, buffering < 0 ? DEFAULT_BUFFER_SIZE : buffering);
  const { encoding = null, errors = null, newline = null } = options;
  return binary ? file : new TextSocketFile(file, mode, encoding, errors, newline);
}
