// The echo server's log, made safe to put in front of an operator: peer-supplied text is escaped so it can neither
// forge lines nor reach the terminal as control sequences, capped per message, and written through a bounded
// buffer that counts what it drops instead of growing while stdout stalls. A broken stdout is reported once.

/** The most bytes of one client message that reach the log; the rest is counted, not shown. */
export const MAX_LOGGED_BYTES = 512;
/** The most bytes the log lets wait in stdout's buffer before it drops lines. */
export const MAX_BUFFERED_BYTES = 256 * 1024;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\" };

/**
 * How many bytes at the end of `buf` begin a UTF-8 character that the next read will finish (0–3). The echo log
 * holds those back instead of keeping a StringDecoder per connection: an idle connection then costs no decoder.
 */
export function incompleteUtf8Tail(buf: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const byte = buf[buf.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/**
 * `text` with every control character (C0, DEL, C1) and the Unicode line and paragraph separators written as
 * escapes, and backslashes doubled, so that one message is always one line and no byte of it is a command to the
 * terminal.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\\]/g, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, "0")}`);
  });
}

/** The first MAX_LOGGED_BYTES bytes of a message (whole characters), and a note of how many were left out. */
export function capMessage(text: string, maxBytes = MAX_LOGGED_BYTES): string {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= maxBytes) return text;
  let cut = Math.min(text.length, maxBytes);
  while (Buffer.byteLength(text.slice(0, cut), "utf8") > maxBytes) cut--;
  // Never split a surrogate pair.
  if (/[\ud800-\udbff]$/.test(text.slice(0, cut))) cut--;
  return `${text.slice(0, cut)}… (${bytes - Buffer.byteLength(text.slice(0, cut), "utf8")} more bytes)`;
}

export interface LogStream {
  write(chunk: string): boolean;
  writableLength: number;
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "drain", listener: () => void): unknown;
  once(event: "drain", listener: () => void): unknown;
  off(event: "drain", listener: () => void): unknown;
}

/**
 * Lines to a stream, dropping (and counting) those that would grow its buffer past a bound. The lines of one turn
 * of the event loop go out in one write at its end: a burst of messages then costs one write and one buffer
 * instead of one per line (for a pipe, a write request each), which showed as memory kept after a burst.
 */
export class LogSink {
  dropped = 0;
  private unreported = 0;
  private broken: Error | null = null;
  private readonly brokenListeners: Array<(err: Error) => void> = [];
  /** Lines of this turn, not yet handed to the stream. */
  private pending = "";
  private scheduled = false;

  constructor(
    private readonly stream: LogStream,
    private readonly maxBuffered = MAX_BUFFERED_BYTES,
  ) {
    stream.on("error", (err) => this.fail(err));
    stream.on("drain", () => this.reportDrops());
  }

  /** Writes one line; a line the bounded buffer cannot take is dropped and counted. */
  line(text: string): void {
    if (this.broken) return;
    // pending counts UTF-16 units, not bytes: the bound is a guard against growth, not an exact size.
    if (this.stream.writableLength + this.pending.length > this.maxBuffered) {
      this.dropped++;
      this.unreported++;
      return;
    }
    this.append(`${text}\n`);
  }

  /** Calls `listener` once the stream fails (EPIPE, EIO…): the log can no longer be delivered. */
  onBroken(listener: (err: Error) => void): void {
    if (this.broken) listener(this.broken);
    else this.brokenListeners.push(listener);
  }

  get failure(): Error | null {
    return this.broken;
  }

  /** Resolves when everything written has left the buffer, or after `ms`, or once the stream broke. */
  flush(ms: number): Promise<boolean> {
    this.reportDrops();
    this.writePending();
    if (this.broken || this.stream.writableLength === 0) return Promise.resolve(this.broken === null);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stream.off("drain", done);
        resolve(this.broken === null && this.stream.writableLength === 0);
      };
      const timer = setTimeout(done, ms);
      this.stream.once("drain", done);
      this.onBroken(done);
    });
  }

  private reportDrops(): void {
    if (this.unreported === 0 || this.broken) return;
    const n = this.unreported;
    this.unreported = 0;
    this.append(`[log: ${n} line(s) dropped while output was not being read; ${this.dropped} in all]\n`);
  }

  private append(text: string): void {
    this.pending += text;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.writePending);
  }

  private readonly writePending = (): void => {
    this.scheduled = false;
    if (this.pending === "" || this.broken) return;
    const chunk = this.pending;
    this.pending = "";
    this.stream.write(chunk);
  };

  private fail(err: Error): void {
    if (this.broken) return;
    this.broken = err;
    for (const l of this.brokenListeners.splice(0)) l(err);
  }
}
