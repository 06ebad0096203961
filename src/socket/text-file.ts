// The text form of makefile(): Python's TextIOWrapper over a SocketFile, with its encoding, its errors policy and
// its newline modes (None: universal, translated to "\n"; "": universal, untranslated; "\n", "\r", "\r\n").

import { TextDecoder } from "node:util";
import type { WaitOptions } from "./abort.js";
import type { SocketFile } from "./socket-file.js";
import { UnsupportedOperation } from "./unsupported-operation.js";
import { decodeError, encodeFailure, utf8Failure, utf8Pending } from "./unicode-errors.js";

const ENCODINGS: Record<string, "utf8" | "latin1" | "ascii"> = {
  "utf-8": "utf8",
  utf8: "utf8",
  utf_8: "utf8",
  "latin-1": "latin1",
  latin1: "latin1",
  latin_1: "latin1",
  "iso-8859-1": "latin1",
  "iso8859-1": "latin1",
  ascii: "ascii",
  "us-ascii": "ascii",
};

function encodingOf(name: string | null | undefined): "utf8" | "latin1" | "ascii" {
  const encoding = ENCODINGS[(name ?? "utf-8").toLowerCase()];
  if (encoding === undefined)
    throw new RangeError(`unknown encoding: ${String(name)} (socketkit supports utf-8, latin-1 and ascii)`);
  return encoding;
}

/**
 * A streaming decoder for the three encodings, strict or replacing. A strict UTF-8 failure is reported as Python's
 * codec reports it, its position counted in the bytes this decode() saw (what an earlier one left pending first).
 */
class Decoder {
  private readonly utf8: InstanceType<typeof TextDecoder> | null;
  private pending: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly encoding: "utf8" | "latin1" | "ascii",
    private readonly strict: boolean,
  ) {
    this.utf8 = encoding === "utf8" ? new TextDecoder("utf-8", { fatal: strict }) : null;
  }

  decode(bytes: Buffer, final: boolean): string {
    if (this.utf8 !== null) {
      if (this.strict) {
        const seen = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
        const failure = utf8Failure(seen, final);
        if (failure !== null) throw decodeError("utf-8", seen, ...failure);
        this.pending = final ? new Uint8Array(0) : seen.subarray(seen.length - utf8Pending(seen));
      }
      return this.utf8.decode(bytes, { stream: !final });
    }
    if (this.encoding === "ascii" && bytes.some((b) => b > 0x7f)) {
      if (this.strict) {
        const at = bytes.findIndex((b) => b > 0x7f);
        throw decodeError("ascii", bytes, at, at + 1, "ordinal not in range(128)");
      }
      return Array.from(bytes, (b) => (b > 0x7f ? "\ufffd" : String.fromCharCode(b))).join("");
    }
    return bytes.toString("latin1");
  }
}

/**
 * A text file over a socket, as Python's makefile('r' | 'w' | 'rw', encoding=…, errors=…, newline=…).
 * Iterating it with `for await` yields lines.
 */
export class TextSocketFile implements AsyncIterable<string> {
  private text = "";
  private eof = false;
  private heldCr = false;
  private readonly decoder: Decoder;
  private readonly codec: "utf8" | "latin1" | "ascii";
  private readonly strict: boolean;
  /** Python's TextIOWrapper.encoding: the name given, or "UTF-8", the locale's encoding Python reports by default. */
  readonly encoding: string;
  /** Python's TextIOWrapper.errors: "strict" unless "replace" was asked for. */
  readonly errors: string;
  private readonly newline: string | null;

  constructor(
    readonly buffer: SocketFile,
    readonly mode: string,
    encoding: string | null = null,
    errors: string | null = null,
    newline: string | null = null,
  ) {
    this.codec = encodingOf(encoding);
    this.encoding = encoding ?? "UTF-8";
    this.errors = errors ?? "strict";
    if (errors !== null && errors !== "strict" && errors !== "replace")
      throw new RangeError(`unsupported errors mode: ${errors} (strict or replace)`);
    if (newline !== null && !["", "\n", "\r", "\r\n"].includes(newline))
      throw new RangeError(`illegal newline value: ${JSON.stringify(newline)}`);
    this.strict = errors !== "replace";
    this.newline = newline;
    this.decoder = new Decoder(this.codec, this.strict);
  }

  get name(): number {
    return this.buffer.name;
  }

  get closed(): boolean {
    return this.buffer.closed;
  }

  fileno(): number {
    return this.buffer.fileno();
  }

  /** `n` characters (fewer only at EOF), or everything up to EOF; `signal` aborts the wait for more. */
  async read(n = -1, options?: WaitOptions): Promise<string> {
    // As Python's TextIOWrapper.read(): everything up to EOF is decoded in one piece, so that a decode error's
    // position counts from the start of what this read() took.
    if (n < 0 && !this.eof) this.append(await this.buffer.read(-1, options), true);
    while (!this.eof && this.text.length < n) await this.fill(options);
    return this.take(n < 0 ? this.text.length : Math.min(n, this.text.length));
  }

  /** One line with its ending (as the newline mode defines lines); at most `limit` characters when limit ≥ 0. */
  async readline(limit = -1, options?: WaitOptions): Promise<string> {
    for (;;) {
      const end = this.lineEnd();
      if (end >= 0 && (limit < 0 || end <= limit)) return this.take(end);
      if (limit >= 0 && this.text.length >= limit) return this.take(limit);
      if (this.eof) return this.take(this.text.length);
      await this.fill(options);
    }
  }

  async readlines(): Promise<string[]> {
    const lines: string[] = [];
    for (let line = await this.readline(); line !== ""; line = await this.readline()) lines.push(line);
    return lines;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (let line = await this.readline(); line !== ""; line = await this.readline()) yield line;
  }

  /** Encodes and buffers `text` ("\n" becomes the newline mode's ending); resolves with its length in characters. */
  async write(text: string, options?: WaitOptions): Promise<number> {
    if (!this.mode.includes("w")) throw new UnsupportedOperation("not writable");
    if (typeof text !== "string") throw new TypeError(`write() argument must be str, not ${typeof text}`);
    const out = this.newline === "\r" || this.newline === "\r\n" ? text.replaceAll("\n", this.newline) : text;
    if (this.strict && this.codec !== "utf8") {
      const failure = encodeFailure(
        this.codec === "ascii" ? "ascii" : "latin-1",
        out,
        this.codec === "ascii" ? 0x7f : 0xff,
      );
      if (failure !== null) throw failure;
    }
    await this.buffer.write(Buffer.from(out, this.codec), options);
    return text.length;
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  close(): Promise<void> {
    return this.buffer.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Where the first line ends (just past its ending), or -1. */
  private lineEnd(): number {
    const t = this.text;
    if (this.newline === "\n" || this.newline === null) {
      const i = t.indexOf("\n");
      return i < 0 ? -1 : i + 1;
    }
    if (this.newline === "\r\n") {
      const i = t.indexOf("\r\n");
      return i < 0 ? -1 : i + 2;
    }
    if (this.newline === "\r") {
      const i = t.indexOf("\r");
      return i < 0 ? -1 : i + 1;
    }
    const m = /\r\n|\r|\n/.exec(t);
    return m === null ? -1 : m.index + m[0].length;
  }

  private async fill(options?: WaitOptions): Promise<void> {
    const chunk = await this.buffer.read1(-1, options);
    this.append(chunk, chunk.length === 0);
  }

  /** Decodes `chunk` (the last one when `final`) onto the text read so far, in the newline mode. */
  private append(chunk: Buffer, final: boolean): void {
    if (final) this.eof = true;
    let decoded = (this.heldCr ? "\r" : "") + this.decoder.decode(chunk, final);
    this.heldCr = false;
    if (this.newline === null || this.newline === "") {
      // A "\r" at the end of what arrived may be the first half of "\r\n": hold it until the next bytes decide,
      // as Python's IncrementalNewlineDecoder does.
      if (!final && decoded.endsWith("\r")) {
        this.heldCr = true;
        decoded = decoded.slice(0, -1);
      }
      if (this.newline === null) decoded = decoded.replace(/\r\n?/g, "\n");
    }
    this.text += decoded;
  }

  private take(n: number): string {
    const out = this.text.slice(0, n);
    this.text = this.text.slice(n);
    return out;
  }
}
