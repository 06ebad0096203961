// The PROXY protocol's header (HAProxy's specification, versions 1 and 2), decoded from bytes. Pure functions on
// buffers: how the bytes are read off a connection is proxy-protocol.ts's business.
//
// v1 is one text line:   "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n"   (TCP4, TCP6 or UNKNOWN; ≤ 107 bytes)
// v2 is binary:          12-byte signature, version/command, family/protocol, 2-byte length, addresses, TLVs.

import { isIPv4, isIPv6 } from "node:net";

/** The 12 bytes every v2 header starts with; no v1 header or ordinary protocol starts this way. */
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from("PROXY ");
/** The specification's bound on a v1 line, CRLF included. */
export const V1_MAX_LENGTH = 107;
const V2_FIXED = 16;

/** Why a header was refused: one stable code per cause, and a message that fits one log line. */
export class ProxyHeaderError extends Error {
  override name = "ProxyHeaderError";
  constructor(
    readonly code: "MALFORMED" | "TOO_LONG" | "TRUNCATED" | "TIMEOUT" | "UNTRUSTED" | "UNSUPPORTED",
    message: string,
  ) {
    super(message);
  }
}

/** A decoded header. `source` is the original client (null for v2 LOCAL, v1 UNKNOWN and unspecified families). */
export interface ProxyHeader {
  version: 1 | 2;
  /** "PROXY": relayed for a client; "LOCAL": the balancer's own connection (a health check), addresses unused. */
  command: "PROXY" | "LOCAL";
  source: [string, number] | string | null;
  destination: [string, number] | string | null;
  /** The header's length in bytes: the connection's own data starts right after it. */
  length: number;
}

const malformed = (why: string) => new ProxyHeaderError("MALFORMED", `malformed PROXY header: ${why}`);

/**
 * How long the header at the start of `bytes` is, as far as these bytes tell: a length once known, or null
 * while more bytes are needed (and every byte so far belongs to the header). Throws as soon as the bytes cannot
 * start a valid header, or the header would exceed `maxLength`.
 * @throws ProxyHeaderError (MALFORMED, TOO_LONG)
 */
export function headerLength(bytes: Buffer, maxLength: number): number | null {
  if (bytes.length === 0) return null;
  if (bytes[0] === V2_SIGNATURE[0]) {
    const n = Math.min(bytes.length, V2_FIXED - 4);
    if (!bytes.subarray(0, n).equals(V2_SIGNATURE.subarray(0, n))) throw malformed("bad v2 signature");
    if (bytes.length < V2_FIXED) return null;
    const length = V2_FIXED + bytes.readUInt16BE(14);
    if (length > maxLength)
      throw new ProxyHeaderError("TOO_LONG", `PROXY v2 header of ${length} bytes exceeds ${maxLength}`);
    return length;
  }
  const n = Math.min(bytes.length, V1_PREFIX.length);
  if (!bytes.subarray(0, n).equals(V1_PREFIX.subarray(0, n))) throw malformed("neither v1 nor v2");
  const lf = bytes.indexOf(0x0a);
  if (lf >= 0) {
    if (lf === 0 || bytes[lf - 1] !== 0x0d) throw malformed("v1 line ends without CR LF");
    if (lf + 1 > V1_MAX_LENGTH)
      throw new ProxyHeaderError("TOO_LONG", `PROXY v1 line longer than ${V1_MAX_LENGTH} bytes`);
    return lf + 1;
  }
  if (bytes.length >= V1_MAX_LENGTH)
    throw new ProxyHeaderError("TOO_LONG", `PROXY v1 line longer than ${V1_MAX_LENGTH} bytes`);
  return null;
}

/**
 * Decodes one complete header (exactly `headerLength()` bytes).
 * @throws ProxyHeaderError (MALFORMED, UNSUPPORTED)
 */
export function parseProxyHeader(bytes: Buffer): ProxyHeader {
  return bytes[0] === V2_SIGNATURE[0] ? parseV2(bytes) : parseV1(bytes);
}

/** A decimal port as the specification writes it: 0–65535, no sign, no leading zero. */
function port(text: string): number {
  if (!/^(0|[1-9]\d{0,4})$/.test(text) || Number(text) > 65535) throw malformed(`bad port ${JSON.stringify(text)}`);
  return Number(text);
}

function parseV1(bytes: Buffer): ProxyHeader {
  const line = bytes.subarray(0, bytes.length - 2).toString("latin1");
  const fields = line.split(" ");
  const base = { version: 1 as const, command: "PROXY" as const, length: bytes.length };
  if (fields[1] === "UNKNOWN") return { ...base, source: null, destination: null };
  if (fields.length !== 6) throw malformed(`v1 needs 6 fields, got ${fields.length}`);
  const [, proto, src, dst, sport, dport] = fields as [string, string, string, string, string, string];
  const valid = proto === "TCP4" ? isIPv4 : proto === "TCP6" ? isIPv6 : null;
  if (valid === null) throw malformed(`unknown v1 protocol ${JSON.stringify(proto)}`);
  if (!valid(src) || !valid(dst)) throw malformed(`bad ${proto} address`);
  return { ...base, source: [src, port(sport)], destination: [dst, port(dport)] };
}

/** Address block sizes by family (high nibble of byte 13): AF_INET, AF_INET6, AF_UNIX. */
const V2_ADDRESS_BYTES: Record<number, number> = { 0x1: 12, 0x2: 36, 0x3: 216 };

function parseV2(bytes: Buffer): ProxyHeader {
  const verCmd = bytes[12]!;
  if (verCmd >> 4 !== 2) throw malformed(`v2 version ${verCmd >> 4}`);
  const cmd = verCmd & 0x0f;
  if (cmd > 1) throw malformed(`v2 command ${cmd}`);
  const family = bytes[13]! >> 4;
  const transport = bytes[13]! & 0x0f;
  const base = { version: 2 as const, length: bytes.length, source: null, destination: null };
  // LOCAL: the balancer speaks for itself (health checks); the addresses, whatever they say, are not used.
  if (cmd === 0) return { ...base, command: "LOCAL" };
  if (family === 0) return { ...base, command: "PROXY" };
  const size = V2_ADDRESS_BYTES[family];
  if (size === undefined || transport > 2) throw malformed(`v2 family/transport 0x${bytes[13]!.toString(16)}`);
  if (transport !== 1)
    throw new ProxyHeaderError(
      "UNSUPPORTED",
      "PROXY v2 header for a datagram or unspecified transport on a stream server",
    );
  if (bytes.length - V2_FIXED < size)
    throw malformed(`v2 address block of ${bytes.length - V2_FIXED} bytes, needs ${size}`);
  checkTlvs(bytes.subarray(V2_FIXED + size));
  const a = bytes.subarray(V2_FIXED, V2_FIXED + size);
  if (family === 3) {
    const path = (b: Buffer) => b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)).toString("utf8");
    return { ...base, command: "PROXY", source: path(a.subarray(0, 108)), destination: path(a.subarray(108)) };
  }
  const ip = family === 1 ? ipv4 : ipv6;
  const n = family === 1 ? 4 : 16;
  return {
    ...base,
    command: "PROXY",
    source: [ip(a.subarray(0, n)), a.readUInt16BE(2 * n)],
    destination: [ip(a.subarray(n, 2 * n)), a.readUInt16BE(2 * n + 2)],
  };
}

/** The TLVs after the addresses are skipped, but must tile the rest of the header exactly. */
function checkTlvs(rest: Buffer): void {
  let at = 0;
  while (at < rest.length) {
    if (at + 3 > rest.length) throw malformed("truncated v2 TLV");
    at += 3 + rest.readUInt16BE(at + 1);
  }
  if (at !== rest.length) throw malformed("v2 TLV runs past the header");
}

function ipv4(b: Buffer): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // The shortest form (RFC 5952): the longest run of two or more zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

/** Builds a header, for tests and tools that play the balancer. */
export function buildProxyHeader(
  version: 1 | 2,
  source: [string, number] | null,
  destination: [string, number] | null,
): Buffer {
  if (version === 1) {
    if (source === null || destination === null) return Buffer.from("PROXY UNKNOWN\r\n");
    const proto = isIPv4(source[0]) ? "TCP4" : "TCP6";
    return Buffer.from(`PROXY ${proto} ${source[0]} ${destination[0]} ${source[1]} ${destination[1]}\r\n`);
  }
  if (source === null || destination === null) return Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0, 0])]);
  const v4 = isIPv4(source[0]);
  const addresses = Buffer.alloc(v4 ? 12 : 36);
  const n = v4 ? 4 : 16;
  packIp(source[0], addresses, 0);
  packIp(destination[0], addresses, n);
  addresses.writeUInt16BE(source[1], 2 * n);
  addresses.writeUInt16BE(destination[1], 2 * n + 2);
  const fixed = Buffer.from([0x21, v4 ? 0x11 : 0x21, 0, 0]);
  fixed.writeUInt16BE(addresses.length, 2);
  return Buffer.concat([V2_SIGNATURE, fixed, addresses]);
}

function packIp(ip: string, into: Buffer, at: number): void {
  if (isIPv4(ip)) {
    ip.split(".").forEach((part, i) => (into[at + i] = Number(part)));
    return;
  }
  // An IPv4 tail ("::ffff:192.0.2.1") is two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted) {
    const [a, b, c, d] = dotted[2]!.split(".").map(Number) as [number, number, number, number];
    ip = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail = ""] = ip.includes("::") ? ip.split("::") : [ip, null];
  const h = head ? head.split(":") : [];
  const t = tail === null ? [] : tail ? tail.split(":") : [];
  const groups = tail === null ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  groups.forEach((g, i) => into.writeUInt16BE(parseInt(g, 16), at + 2 * i));
}
