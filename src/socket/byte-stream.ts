// The data path of a connected stream socket: a libuv stream (net.Socket) over a duplicate of the socket's fd,
// with the small receive queue that turns Node's 'data' events into Python's recv(bufsize).
//
// The queue pauses libuv once it holds READ_HIGH_WATER bytes, so a reader that stops reading leaves the rest in
// the kernel's receive buffer and the sender sees TCP backpressure. Writes resolve when libuv has handed every
// byte to the kernel. Stream errors (a reset, a broken pipe) are kept and raised by the next call; nothing escapes.

import net from "node:net";
import { errno as E } from "../libc/errno.js";
import { Reactor } from "../libc/reactor.js";
import { errorFromNode, OSError, timedOut } from "./errors.js";

const READ_HIGH_WATER = 64 * 1024;
/** How long close() lets unsent bytes drain to a peer before the connection is dropped. */
const CLOSE_LINGER_MS = 30_000;
const EMPTY = Buffer.alloc(0);
const RESOLVED = Promise.resolve();

/** An error poll() found, to be raised by the recv that asked. */
class Failure {
  constructor(readonly error: unknown) {}
}

interface Reader {
  max: number;
  peek: boolean;
  resolve: (data: Buffer) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout | null;
}

export class ByteStream {
  private readonly socket: net.Socket;
  private readonly chunks: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private readers: Reader[] = [];
  /** Set once the peer's FIN has been read. */
  eof = false;
  /** The error the stream met; raised once by the next recv or send, then reads see EOF. */
  private error: OSError | Error | null = null;
  /** Set once the stream is destroyed, by close() or by an error. */
  closed = false;
  private closedByUser = false;
  private readonly reported = new WeakSet<object>();
  /** Rejections of sends still waiting for the kernel to take their bytes. */
  private readonly pendingWriters = new Set<(err: unknown) => void>();

  constructor(fd: number) {
    // Setting up many streams at once (a burst of new connections) is a long stretch of work: listeners first.
    Reactor.existing()?.peekIfDue();
    this.socket = new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
    this.socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.queued += chunk.length;
      if (this.queued >= READ_HIGH_WATER && !this.paused) {
        this.paused = true;
        this.socket.pause();
      }
      this.wake();
      // A burst of stream callbacks can fill one long turn of the event loop; listeners still get their turn.
      Reactor.existing()?.peekIfDue();
    });
    this.socket.on("end", () => {
      this.eof = true;
      this.wake();
    });
    this.socket.on("error", (err) => {
      // An error a send already raised is not raised again by the next recv.
      if (!this.reported.has(err)) this.error ??= errorFromNode(err);
      this.wake();
    });
    this.socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Bytes handed to libuv but not yet to the kernel. */
  get pendingWrite(): number {
    return this.socket.writableLength;
  }

  /** Up to `max` queued bytes (left in the queue when `peek`), or null when the queue is empty. */
  take(max: number, peek: boolean): Buffer | null {
    if (this.queued === 0) return null;
    const first = this.chunks[0]!;
    if (!peek && this.chunks.length === 1 && first.length <= max) {
      // The usual case (one chunk, all of it wanted): hand it over without a new view.
      this.chunks.length = 0;
      this.queued = 0;
      if (this.paused) this.resume();
      return first;
    }
    let out: Buffer;
    if (first.length >= max || this.chunks.length === 1) {
      out = first.subarray(0, Math.min(max, first.length));
    } else {
      out = Buffer.concat(this.chunks, Math.min(max, this.queued));
    }
    if (!peek) this.consume(out.length);
    return out;
  }

  /** The error the stream met, handed out once; reads see EOF after it, as after a reset in Python. */
  takeError(): OSError | Error | null {
    const err = this.error;
    if (err !== null) {
      this.error = null;
      this.eof = true;
    }
    return err;
  }

  /**
   * What a recv can have right now: queued bytes, EOF (an empty Buffer), or an error to raise (the stream's
   * pending error, EBADF after close()); undefined when it would have to wait.
   */
  poll(max: number, peek: boolean): Buffer | Failure | undefined {
    if (this.closedByUser) return new Failure(OSError.fromErrno(E.EBADF!, { syscall: "recv" }));
    const data = this.take(max, peek);
    if (data !== null) return data;
    const err = this.takeError();
    if (err !== null) return new Failure(err);
    if (this.eof || this.closed) return EMPTY;
    return undefined;
  }

  /** poll() as a promise, or undefined when it would have to wait. */
  readNow(max: number, peek: boolean): Promise<Buffer> | undefined {
    const now = this.poll(max, peek);
    if (now === undefined) return undefined;
    return now instanceof Failure ? Promise.reject(now.error) : Promise.resolve(now);
  }

  /** Resolves with at most `max` bytes as soon as any arrive (see poll), or rejects with TimeoutError at `deadline`. */
  read(max: number, peek: boolean, deadline: number | null): Promise<Buffer> {
    const now = this.readNow(max, peek);
    if (now !== undefined) return now;
    return new Promise((resolve, reject) => {
      const reader: Reader = { max, peek, resolve, reject, timer: null };
      if (deadline !== null) {
        reader.timer = setTimeout(() => {
          this.readers = this.readers.filter((r) => r !== reader);
          reject(timedOut("recv"));
        }, Math.max(0, deadline - performance.now()));
      }
      this.readers.push(reader);
    });
  }

  /** Writes `data`; resolves once libuv has handed all of it to the kernel, rejects with the OSError it met. */
  write(data: Uint8Array): Promise<void> {
    if (this.error !== null) return Promise.reject(this.takeError());
    // No per-write callback: Node batches its after-write work for callback-less writes, which the echo hot
    // path feels. libuv usually hands small buffers to the kernel within write(); then there is nothing to wait for.
    this.socket.write(data);
    if (this.socket.writableLength === 0 && !this.socket.destroyed && this.socket.errored === null) return RESOLVED;
    return this.flushed();
  }

  /** Resolves once every byte written so far has reached the kernel: an empty write's callback runs after theirs. */
  private flushed(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingWriters.add(reject);
      this.socket.write(EMPTY, (err) => {
        this.pendingWriters.delete(reject);
        const failure = this.writeFailure(err);
        if (failure === null) resolve();
        else reject(failure);
      });
    });
  }

  /**
   * Why a write did not reach the kernel, or null if it did. Node reports a stream destroyed under a pending
   * write (by a reset, say) without an error or with ERR_STREAM_DESTROYED, so the stream's own state decides.
   */
  private writeFailure(err: Error | null | undefined): unknown {
    if (this.error !== null) return this.takeError();
    const cause = this.socket.errored;
    if (cause) {
      this.reported.add(cause);
      return errorFromNode(cause);
    }
    if (err && !String((err as { code?: string }).code).startsWith("ERR_STREAM")) return errorFromNode(err);
    if (err || this.socket.destroyed) return OSError.fromErrno(this.closedByUser ? E.EBADF! : E.EPIPE!, { syscall: "send" });
    return null;
  }

  /** Flushes what libuv still holds, then closes; used by close() so that unawaited sends are not lost. */
  closeAfterFlush(): void {
    if (this.pendingWrite === 0) return this.destroy();
    this.closedByUser = true;
    this.wake();
    // Like close(2): the bytes go on draining in the background, but whoever still waits for them hears now
    // that the socket was closed, and a peer that never reads cannot hold the connection open for ever.
    for (const reject of this.pendingWriters) reject(OSError.fromErrno(E.EBADF!, { syscall: "send" }));
    this.pendingWriters.clear();
    this.socket.once("finish", () => this.destroy());
    this.socket.once("error", () => this.destroy());
    setTimeout(() => this.destroy(), CLOSE_LINGER_MS).unref();
    // The handle no longer holds the process open; its pending writes still do, for at most CLOSE_LINGER_MS.
    this.socket.unref();
    this.socket.end();
  }

  /** Closes the duplicate fd now and wakes every waiter. */
  destroy(): void {
    this.closed = true;
    this.closedByUser = true;
    this.socket.destroy();
    this.wake();
  }

  private consume(n: number): void {
    this.queued -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.length <= n) {
        n -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
    if (this.paused && this.queued < READ_HIGH_WATER) this.resume();
  }

  private resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  /** Hands whatever arrived to the waiting readers, oldest first, each straight from the event that brought it. */
  private wake(): void {
    while (this.readers.length > 0) {
      const reader = this.readers[0]!;
      const outcome = this.poll(reader.max, reader.peek);
      if (outcome === undefined) return;
      this.readers.shift();
      if (reader.timer !== null) clearTimeout(reader.timer);
      if (outcome instanceof Failure) reader.reject(outcome.error);
      else reader.resolve(outcome);
    }
  }
}
