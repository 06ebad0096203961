// File-like views of a socket, as Python's socket.makefile() gives: a buffered line reader and a writer that
// waits for the kernel to take each write. The server framework hands them to handlers as rfile and wfile.

import type { Socket } from "./socket.js";

const NEWLINE = 0x0a;
const READ_SIZE = 64 * 1024;

/** Where a BufferedReader gets more bytes: a Buffer, or an empty one at EOF. */
export type ByteSource = () => Promise<Buffer>;

/**
 * A buffered reader with Python's readline()/read() over any byte source (a socket, or one datagram).
 * Iterating it with `for await` yields lines, each with its "\n", until EOF.
 */
export class BufferedReader implements AsyncIterable<Buffer> {
  private buffer: Buffer = Buffer.alloc(0);
  private eof = false;

  constructor(private readonly source: ByteSource) {}

  /** One line including its "\n"; at most `limit` bytes when limit ≥ 0; the rest of the stream's bytes at EOF. */
  async readline(limit = -1): Promise<Buffer> {
    let scanned = 0;
    for (;;) {
      const nl = this.buffer.indexOf(NEWLINE, scanned);
      const end = nl >= 0 ? nl + 1 : -1;
      if (end >= 0 && (limit < 0 || end <= limit)) return this.consume(end);
      if (limit >= 0 && this.buffer.length >= limit) return this.consume(limit);
      if (this.eof) return this.consume(this.buffer.length);
      scanned = this.buffer.length;
      await this.fill();
    }
  }

  /** `n` bytes (fewer only at EOF), or with no argument everything up to EOF. */
  async read(n = -1): Promise<Buffer> {
    while (!this.eof && (n < 0 || this.buffer.length < n)) await this.fill();
    return this.consume(n < 0 ? this.buffer.length : Math.min(n, this.buffer.length));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  private async fill(): Promise<void> {
    const more = await this.source();
    if (more.length === 0) this.eof = true;
    else this.buffer = this.buffer.length === 0 ? more : Buffer.concat([this.buffer, more]);
  }

  private consume(n: number): Buffer {
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }
}

/** A reader over a socket's recv(). */
export function socketReader(sock: Socket): BufferedReader {
  return new BufferedReader(() => sock.recv(READ_SIZE));
}

/** A reader over bytes already in hand (a datagram). */
export function bytesReader(data: Uint8Array): BufferedReader {
  let given = false;
  return new BufferedReader(async () => {
    if (given) return Buffer.alloc(0);
    given = true;
    return Buffer.from(data);
  });
}

/** Python's socketserver._SocketWriter: each write() is a sendall(), so it honours the peer's backpressure. */
export class SocketWriter {
  constructor(private readonly sock: Socket) {}

  /** Sends `data` (a string is sent as UTF-8) and resolves with its length once the kernel has it all. */
  async write(data: Uint8Array | string): Promise<number> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    await this.sock.sendall(bytes);
    return bytes.length;
  }

  async flush(): Promise<void> {}
}

/** Collects writes in memory, as Python's io.BytesIO: a datagram handler's reply. */
export class BytesWriter {
  private readonly parts: Buffer[] = [];

  async write(data: Uint8Array | string): Promise<number> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
    this.parts.push(bytes);
    return bytes.length;
  }

  async flush(): Promise<void> {}

  getvalue(): Buffer {
    return Buffer.concat(this.parts);
  }
}
