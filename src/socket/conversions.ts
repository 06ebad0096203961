// Python's address and byte-order conversions: inet_aton, inet_ntoa, inet_pton, inet_ntop, htons, ntohs, htonl,
// ntohl. Text forms go through libc itself, so legacy forms such as inet_aton("127.1") parse as Python's do.

import * as C from "../libc/constants.js";
import { E } from "../libc/errno.js";
import { loadSyscalls } from "../libc/syscalls.js";
import { checkBytes } from "./arguments.js";
import { OSError } from "./errors.js";

function checkText(value: unknown, argument: string): string {
  if (typeof value !== "string") throw new TypeError(`${argument} must be a string, got ${typeof value}`);
  if (value.includes("\0")) throw new TypeError(`${argument} must not contain null character`);
  return value;
}

/** Four packed bytes for an IPv4 address in any form inet_aton(3) accepts ("127.0.0.1", "127.1", "0x7f.1"). */
export function inetAton(ipString: string): Buffer {
  const out = Buffer.alloc(4);
  if (loadSyscalls().inetAton(checkText(ipString, "ip_string"), out) === 0) {
    throw new OSError(null, "illegal IP address string passed to inet_aton");
  }
  return out;
}

/** Dotted-quad text for four packed bytes. */
export function inetNtoa(packedIp: Uint8Array): string {
  checkBytes(packedIp, "packed_ip");
  if (packedIp.length !== 4) throw new OSError(null, "packed IP wrong length for inet_ntoa");
  return Array.from(packedIp).join(".");
}

function packedLength(family: number): number {
  if (family === C.AF_INET) return 4;
  if (family === C.AF_INET6) return 16;
  return -1;
}

/** Packed bytes for an address in `addressFamily`'s text form (inet_pton(3)). */
export function inetPton(addressFamily: number, ipString: string): Buffer {
  const length = packedLength(addressFamily);
  if (length < 0) throw OSError.fromErrno(E.EAFNOSUPPORT, { syscall: "inet_pton" });
  const out = Buffer.alloc(length);
  if (loadSyscalls().inetPton(addressFamily, checkText(ipString, "ip_string"), out) !== 1) {
    throw new OSError(null, "illegal IP address string passed to inet_pton");
  }
  return out;
}

/** Text for packed address bytes (inet_ntop(3)). */
export function inetNtop(addressFamily: number, packedIp: Uint8Array): string {
  checkBytes(packedIp, "packed_ip");
  const length = packedLength(addressFamily);
  if (length < 0) throw new RangeError(`unknown address family ${addressFamily}`);
  if (packedIp.length !== length) throw new RangeError("invalid length of packed IP address string");
  const out = Buffer.alloc(64);
  const r = loadSyscalls().inetNtop(addressFamily, packedIp, out, out.length);
  if (r < 0) throw OSError.fromErrno(-r, { syscall: "inet_ntop" });
  return out.subarray(0, out.indexOf(0)).toString("latin1");
}

function checkUnsigned(x: unknown, bits: 16 | 32, name: string): number {
  if (typeof x !== "number" || !Number.isInteger(x))
    throw new TypeError(`${name}: expected an integer, got ${typeof x}`);
  if (x < 0) throw new RangeError(`${name}: can't convert negative int to C ${bits}-bit unsigned integer`);
  if (x >= 2 ** bits) throw new RangeError(`${name}: int too large to convert to C ${bits}-bit unsigned integer`);
  return x;
}

const swap16 = (x: number) => ((x & 0xff) << 8) | (x >>> 8);
const swap32 = (x: number) => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;

/** Host to network byte order, 16 bits (Linux hosts are little-endian on every architecture socketkit runs on). */
export function htons(x: number): number {
  return swap16(checkUnsigned(x, 16, "htons"));
}
export function ntohs(x: number): number {
  return swap16(checkUnsigned(x, 16, "ntohs"));
}
/** Host to network byte order, 32 bits. */
export function htonl(x: number): number {
  return swap32(checkUnsigned(x, 32, "htonl"));
}
export function ntohl(x: number): number {
  return swap32(checkUnsigned(x, 32, "ntohl"));
}
