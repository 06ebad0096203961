// The text form of makefile(): Python's TextIOWrapper over a SocketFile, with its encoding, its errors policy and
// its newline modes (None: universal, translated to "\n"; "": universal, untranslated; "\n", "\r", "\r\n").

import { TextDecoder } from "node:util";
import type { SocketFile } from "./socket-file.js";

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

/** Python's UnicodeDecodeError / UnicodeEncodeError: a RangeError, as socketkit maps Python's ValueError. */
function unicodeError(kind: "decode" | "encode", encoding: string): RangeError {
  const error = new RangeError(`'${encoding}' codec can't ${kind} the data`);
  error.name = kind === "decode" ? "UnicodeDecodeError" : "UnicodeEncodeError";
  return error;
}

/** A streaming decoder for the three encodings, strict or replacing. */
class Decoder {
  private readonly utf8: InstanceType<typeof TextDecoder> | null;

  constructor(
    private readonly encoding: "utf8" | "latin1" | "ascii",
    private readonly strict: boolean,
  ) {
    this.utf8 = encoding === "utf8" ? new TextDecoder("utf-8", { fatal: strict }) : null;
  }

  decode(bytes: Buffer, final: boolean): string {
    if (this.utf8 !== null) {
      try {
        return this.utf8.decode(bytes, { stream: !final });
      } catch {
        throw unicodeError("decode", "utf-8");
      }
    }
    if (this.encoding === "ascii" && bytes.some((b) => b > 0x7f)) {
      if (this.strict) throw unicodeError("decode", "ascii");
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
  private readonly encoding: "utf8" | "latin1" | "ascii";
  private readonly strict: boolean;
  private readonly newline: string | null;

  constructor(
    readonly buffer: SocketFile,
    readonly mode: string,
    encoding: string | null = null,
    errors: string | null = null,
    newline: string | null = null,
  ) {
    this.encoding = encodingOf(encoding);
    if (errors !== null && errors !== "strict" && errors !== "replace")
      throw new RangeError(`unsupported errors mode: ${errors} (strict or replace)`);
    if (newline !== null && !["", "\n", "\r", "\r\n"].includes(newline))
      throw new RangeError(`illegal newline value: ${JSON.stringify(newline)}`);
    this.strict = errors !== "replace";
    this.newline = newline;
    this.decoder = new Decoder(this.encoding, this.strict);
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

  /** `n` characters (fewer only at EOF), or everything up to EOF. */
  async read(n = -1): Promise<string> {
    while (!this.eof && (n < 0 || this.text.length < n)) await this.fill();
    return this.take(n < 0 ? this.text.length : Math.min(n, this.text.length));
  }

  /** One line with its ending (as the newline mode defines lines); at most `limit` characters when limit ≥ 0. */
  async readline(limit = -1): Promise<string> {
    for (;;) {
      const end = this.lineEnd();
      if (end >= 0 && (limit < 0 || end <= limit)) return this.take(end);
      if (limit >= 0 && this.text.length >= limit) return this.take(limit);
      if (this.eof) return this.take(this.text.length);
      await this.fill();
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
  async write(text: string): Promise<number> {
    if (typeof text !== "string") throw new TypeError(`write() argument must be str, not ${typeof text}`);
    const out = this.newline === "\r" || this.newline === "\r\n" ? text.replaceAll("\n", this.newline) : text;
    if (this.encoding === "ascii" && /[^\x00-\x7f]/.test(out) && this.strict) throw unicodeError("encode", "ascii");
    if (this.encoding === "latin1" && /[^\x00-\xff]/.test(out) && this.strict) throw unicodeError("encode", "latin-1");
    await this.buffer.write(Buffer.from(out, this.encoding));
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

  private async fill(): Promise<void> {
    const chunk = await this.buffer.read1();
    const final = chunk.length === 0;
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
