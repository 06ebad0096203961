// Socket options on an fd: setsockopt with a C int or raw bytes, getsockopt as an int or bytes, and TCP_INFO.

import * as C from "../libc/constants.js";
import { sys } from "../libc/syscalls.js";
import { decodeTcpInfo, TCP_INFO_SIZE, type TcpInfo } from "../libc/tcp-info.js";
import { checkInt } from "./arguments.js";
import { errorFromResult } from "./errors.js";

const lenScratch = Buffer.alloc(4);
const optScratch = Buffer.alloc(1024);

function check(result: number, syscall: string): void {
  if (result < 0) throw errorFromResult(result, syscall);
}

/** setsockopt(2): a number is passed as a C int, bytes as they are. */
export function setOption(fd: number, level: number, option: number, value: number | Uint8Array): void {
  checkInt(level, "level", 0, C.INT_MAX);
  checkInt(option, "option", 0, C.INT_MAX);
  let bytes: Buffer;
  if (typeof value === "number") {
    checkInt(value, "value", C.INT_MIN, 0xffffffff);
    bytes = Buffer.alloc(4);
    if (value < 0) bytes.writeInt32LE(value, 0);
    else bytes.writeUInt32LE(value, 0);
  } else if (value instanceof Uint8Array) {
    bytes = Buffer.from(value);
  } else {
    throw new TypeError(`value must be an integer or a Buffer, got ${typeof value}`);
  }
  check(sys.setsockopt(fd, level, option, bytes, bytes.length), "setsockopt");
}

/** setsockopt(2) with a NULL value and `optlen`, as Python's setsockopt(level, option, None, optlen). */
export function setOptionNull(fd: number, level: number, option: number, optlen: number): void {
  checkInt(level, "level", 0, C.INT_MAX);
  checkInt(option, "option", 0, C.INT_MAX);
  checkInt(optlen, "optlen", 0, C.INT_MAX);
  check(sys.setsockopt(fd, level, option, null, optlen), "setsockopt");
}

/** Python's setsockopt forms: (level, option, int | bool | bytes) or (level, option, None, optlen). */
export function setOptionForm(
  fd: number,
  level: number,
  option: number,
  value: number | boolean | Uint8Array | null,
  optlen: number | undefined,
): void {
  if (value === null) {
    if (optlen === undefined) throw new TypeError("optlen is required when value is null");
    return setOptionNull(fd, level, option, optlen);
  }
  if (optlen !== undefined) throw new TypeError("optlen is given only with a null value");
  setOption(fd, level, option, typeof value === "boolean" ? Number(value) : value);
}

/** getsockopt(2): a C int, or with `buflen` the option's raw bytes (at most `buflen`, 1–1024; 0 is the int). */
export function getOption(fd: number, level: number, option: number, buflen?: number): number | Buffer {
  checkInt(level, "level", 0, C.INT_MAX);
  checkInt(option, "option", 0, C.INT_MAX);
  // Python reads buflen=0, its default, as "the int form".
  if (buflen === 0) buflen = undefined;
  if (buflen !== undefined) checkInt(buflen, "buflen", 1, optScratch.length);
  const size = buflen ?? 4;
  lenScratch.writeUInt32LE(size, 0);
  optScratch.fill(0, 0, size);
  check(sys.getsockopt(fd, level, option, optScratch, lenScratch), "getsockopt");
  if (buflen === undefined) return optScratch.readInt32LE(0);
  return Buffer.from(optScratch.subarray(0, lenScratch.readUInt32LE(0)));
}

/** The kernel's struct tcp_info for a TCP socket. */
export function tcpInfoOf(fd: number): TcpInfo {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(TCP_INFO_SIZE, 0);
  const buf = Buffer.alloc(TCP_INFO_SIZE);
  check(sys.getsockopt(fd, C.IPPROTO_TCP, C.TCP_INFO, buf, len), "getsockopt");
  return decodeTcpInfo(buf, len.readUInt32LE(0));
}
