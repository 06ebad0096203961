// Python 3.10's repr of a socket object, e.g.
// <socket.socket fd=5, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, proto=0, laddr=('127.0.0.1', 53880)>

import type { Address } from "./address.js";
import { sys } from "../libc/syscalls.js";
import { familyName, kindName } from "./constants.js";
import type { IoSource } from "./io-source.js";

export interface ReprFields {
  fd: number;
  family: number;
  type: number;
  proto: number;
  closed: boolean;
  laddr: Address | undefined;
  raddr: Address | undefined;
}

/** Python's repr of a str: single quotes unless the text holds one and no double quote. */
function pyStr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\" || ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return quote + out + quote;
}

/** Python's repr of bytes, as an abstract Unix address (b'\x00name') prints. */
function pyBytes(bytes: Buffer): string {
  let out = "";
  for (const b of bytes) {
    if (b === 0x5c) out += "\\\\";
    else if (b === 0x27) out += "\\'";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b === 0x09) out += "\\t";
    else if (b < 0x20 || b >= 0x7f) out += "\\x" + b.toString(16).padStart(2, "0");
    else out += String.fromCharCode(b);
  }
  return `b'${out}'`;
}

/** How Python prints an address inside the repr: str() of the tuple, a bare path, or bytes for an abstract name. */
/** An inet endpoint as operators and URLs write it: "127.0.0.1:8000", "[::1]:8000" (RFC 3986 brackets). */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function formatAddress(address: Address | null): string {
  if (address === null) return "None";
  if (typeof address === "string") return address;
  if (Buffer.isBuffer(address)) return pyBytes(address);
  const parts = address as readonly unknown[];
  return `(${parts.map((part) => (typeof part === "string" ? pyStr(part) : Buffer.isBuffer(part) ? pyBytes(part) : String(part))).join(", ")})`;
}

export function repr(s: ReprFields): string {
  let out = `<socket.socket${s.closed ? " [closed]" : ""} fd=${s.fd}, family=${familyName(s.family)}, type=${kindName(s.type)}, proto=${s.proto}`;
  if (!s.closed) {
    // Python prints whatever getsockname()/getpeername() return unless it is empty: an unbound INET socket
    // shows laddr=('0.0.0.0', 0), an unbound Unix socket shows no laddr at all.
    if (s.laddr !== undefined && s.laddr !== "") out += `, laddr=${formatAddress(s.laddr)}`;
    if (s.raddr !== undefined && s.raddr !== "") out += `, raddr=${formatAddress(s.raddr)}`;
  }
  return out + ">";
}

/** The repr of the socket over `source`: an address the kernel refuses is left out. */
export function reprOf(source: IoSource): string {
  const { fd, family, type, proto } = source;
  const [laddr, raddr] = [source.knownAddress(sys.getsockname), source.knownAddress(sys.getpeername)];
  return repr({ fd, family, type, proto, closed: fd < 0, laddr, raddr });
}
