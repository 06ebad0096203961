// The data path of a connected stream socket: a libuv stream (net.Socket) over a duplicate of the socket's fd,
// with the small receive queue that turns Node's 'data' events into Python's recv(bufsize).
//
// The queue pauses libuv once it holds READ_HIGH_WATER bytes, so a reader that stops reading leaves the rest in
// the kernel's receive buffer and the sender sees TCP backpressure. Writes resolve when libuv has handed every
// byte to the kernel. Stream errors (a reset, a broken pipe) are kept and raised by the next call; nothing escapes.

import net from "node:net";
import { errorFromNode, type OSError } from "./errors.js";

const READ_HIGH_WATER = 64 * 1024;

export class ByteStream {
  private readonly socket: net.Socket;
  private readonly chunks: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private waiters: Array<() => void> = [];
  /** Set once the peer's FIN has been read. */
  eof = false;
  /** The error the stream met; raised once by the next recv or send, then reads see EOF. */
  private error: OSError | Error | null = null;
  /** Set once the stream is destroyed, by close() or by an error. */
  closed = false;

  constructor(fd: number) {
    this.socket = new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
    this.socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.queued += chunk.length;
      if (this.queued >= READ_HIGH_WATER && !this.paused) {
        this.paused = true;
        this.socket.pause();
      }
      this.wake();
    });
    this.socket.on("end", () => {
      this.eof = true;
      this.wake();
    });
    this.socket.on("error", (err) => {
      this.error ??= errorFromNode(err);
      this.wake();
    });
    this.socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Bytes waiting in the queue. */
  get available(): number {
    return this.queued;
  }

  /** Bytes handed to libuv but not yet to the kernel. */
  get pendingWrite(): number {
    return this.socket.writableLength;
  }

  /** Up to `max` queued bytes (left in the queue when `peek`), or null when the queue is empty. */
  take(max: number, peek: boolean): Buffer | null {
    if (this.queued === 0) return null;
    const first = this.chunks[0]!;
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

  /** Resolves when bytes, EOF, an error or close arrive, or with false when `deadline` passes first. */
  wait(deadline: number | null): Promise<boolean> {
    if (this.queued > 0 || this.eof || this.error !== null || this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const waiter = () => {
        if (timer !== null) clearTimeout(timer);
        resolve(true);
      };
      if (deadline !== null) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(false);
        }, Math.max(0, deadline - performance.now()));
      }
      this.waiters.push(waiter);
    });
  }

  /** Writes `data`; resolves once libuv has handed all of it to the kernel, rejects with the OSError it met. */
  write(data: Uint8Array): Promise<void> {
    if (this.error !== null) return Promise.reject(this.takeError());
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => {
        if (err) reject(this.error !== null ? this.takeError() : errorFromNode(err));
        else resolve();
      });
    });
  }

  /** Flushes what libuv still holds, then closes; used by close() so that unawaited sends are not lost. */
  closeAfterFlush(): void {
    if (this.pendingWrite === 0) return this.destroy();
    this.socket.once("finish", () => this.destroy());
    this.socket.once("error", () => this.destroy());
    this.socket.end();
  }

  /** Closes the duplicate fd now and wakes every waiter. */
  destroy(): void {
    this.closed = true;
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

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
