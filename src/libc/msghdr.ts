// struct msghdr, struct iovec and the control-message (cmsg) layout for sendmsg(2) and recvmsg(2): koffi types for
// the headers, and pure functions that pack and unpack ancillary data (SCM_RIGHTS and the rest) on 64-bit Linux.

import { INT_MAX } from "./constants.js";
import type { Koffi } from "./koffi.js";

/** One struct iovec: koffi passes the Buffer's memory for the duration of the call. */
export interface IoVector {
  iov_base: Uint8Array;
  iov_len: number;
}

/** struct msghdr as koffi marshals it; recvmsg writes msg_namelen, msg_controllen and msg_flags back. */
export interface MessageHeader {
  msg_name: Buffer | null;
  msg_namelen: number;
  msg_iov: IoVector[];
  msg_iovlen: number;
  msg_control: Buffer | null;
  msg_controllen: number;
  msg_flags: number;
}

/** One ancillary item, as Python's (cmsg_level, cmsg_type, cmsg_data). */
export type AncillaryItem = [level: number, type: number, data: Buffer];

// struct cmsghdr on 64-bit Linux: size_t cmsg_len, int cmsg_level, int cmsg_type, then data aligned to 8 bytes.
const HEADER = 16;
const ALIGN = 8;
const align = (n: number) => (n + ALIGN - 1) & ~(ALIGN - 1);

// Python's bounds (Modules/socketmodule.c, get_CMSG_LEN and get_CMSG_SPACE): a result must fit the kernel's
// socklen_t limit, a C int. Beyond them Python raises OverflowError, which socketkit throws as RangeError.
const cmsgLimit = (name: string, length: unknown, reserve: number): number => {
  if (typeof length !== "number" || !Number.isInteger(length)) {
    throw new TypeError(
      `${name}() argument must be an integer, got ${typeof length === "number" ? length : typeof length}`,
    );
  }
  if (length < 0 || length > INT_MAX - reserve) throw new RangeError(`${name}() argument out of range`);
  return length;
};

/**
 * CMSG_LEN(length): the cmsg_len of an item carrying `length` bytes of data.
 * @throws TypeError when `length` is not an integer; RangeError (Python's OverflowError) when it is negative or
 *   the result would not fit a C int
 */
export function cmsgLen(length: number): number {
  return HEADER + cmsgLimit("CMSG_LEN", length, HEADER);
}

/**
 * CMSG_SPACE(length): the room one item carrying `length` bytes takes in a control buffer, padding included.
 * @throws TypeError when `length` is not an integer; RangeError (Python's OverflowError) when it is negative or
 *   the result would not fit a C int
 */
export function cmsgSpace(length: number): number {
  return HEADER + align(cmsgLimit("CMSG_SPACE", length, HEADER + ALIGN));
}

/** Packs items into one control buffer, each padded to CMSG_SPACE except the last (as CPython does). */
export function packAncillary(items: readonly AncillaryItem[]): Buffer | null {
  if (items.length === 0) return null;
  const size = items.reduce(
    (sum, [, , data], i) => sum + (i === items.length - 1 ? cmsgLen(data.length) : cmsgSpace(data.length)),
    0,
  );
  const buf = Buffer.alloc(align(size));
  let offset = 0;
  for (const [level, type, data] of items) {
    buf.writeBigUInt64LE(BigInt(cmsgLen(data.length)), offset);
    buf.writeInt32LE(level, offset + 8);
    buf.writeInt32LE(type, offset + 12);
    buf.set(data, offset + HEADER);
    offset += cmsgSpace(data.length);
  }
  return buf.subarray(0, size);
}

/** Unpacks the first `length` bytes of a control buffer; an item cut short by MSG_CTRUNC keeps what arrived. */
export function unpackAncillary(buf: Buffer, length: number): AncillaryItem[] {
  const items: AncillaryItem[] = [];
  let offset = 0;
  while (offset + HEADER <= length) {
    const itemLength = Number(buf.readBigUInt64LE(offset));
    if (itemLength < HEADER) break;
    const level = buf.readInt32LE(offset + 8);
    const type = buf.readInt32LE(offset + 12);
    const end = Math.min(offset + itemLength, length);
    items.push([level, type, Buffer.from(buf.subarray(offset + HEADER, end))]);
    offset += align(itemLength);
  }
  return items;
}

/** Declares the koffi struct types; returns the pointer type for a send (in) or a receive (in and out). */
export function defineMessageTypes(k: Koffi): {
  msghdrPointer: (inout: boolean) => ReturnType<Koffi["pointer"]> | ReturnType<Koffi["inout"]>;
} {
  k.struct("socketkit_iovec", { iov_base: "void *", iov_len: "size_t" });
  const msghdr = k.struct("socketkit_msghdr", {
    msg_name: "void *",
    msg_namelen: "uint32_t",
    msg_iov: "socketkit_iovec *",
    msg_iovlen: "size_t",
    msg_control: "void *",
    msg_controllen: "size_t",
    msg_flags: "int",
  });
  return { msghdrPointer: (inout) => (inout ? k.inout(k.pointer(msghdr)) : k.pointer(msghdr)) };
}
