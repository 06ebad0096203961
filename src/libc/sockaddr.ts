// The byte layout of struct sockaddr_in, sockaddr_in6 and sockaddr_un on Linux.
// It works in bytes and numbers only; src/socket/address.ts turns them into Python's address tuples.

import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX } from "./constants.js";

/** Large enough for any address the socket calls can return (sizeof(struct sockaddr_storage)). */
export const SOCKADDR_STORAGE_SIZE = 128;
/** sizeof(sun_path). */
export const UNIX_PATH_MAX = 108;

export type RawSockaddr =
  | { family: typeof AF_INET; host: Uint8Array; port: number }
  | { family: typeof AF_INET6; host: Uint8Array; port: number; flowinfo: number; scopeId: number }
  | { family: typeof AF_UNIX; path: Uint8Array }
  | { family: typeof AF_NETLINK; pid: number; groups: number }
  | { family: typeof AF_PACKET; protocol: number; ifindex: number; hatype: number; pkttype: number; addr: Uint8Array }
  | { family: number; bytes: Uint8Array };

export function encodeInet(host: Uint8Array, port: number): Buffer {
  const buf = Buffer.alloc(16);
  buf.writeUInt16LE(AF_INET, 0);
  buf.writeUInt16BE(port, 2);
  buf.set(host, 4);
  return buf;
}

export function encodeInet6(host: Uint8Array, port: number, flowinfo: number, scopeId: number): Buffer {
  const buf = Buffer.alloc(28);
  buf.writeUInt16LE(AF_INET6, 0);
  buf.writeUInt16BE(port, 2);
  buf.writeUInt32BE(flowinfo, 4);
  buf.set(host, 8);
  buf.writeUInt32LE(scopeId, 24);
  return buf;
}

/** A path, or an abstract name whose first byte is 0. The caller has checked the length. */
export function encodeUnix(path: Uint8Array): Buffer {
  const abstract = path.length > 0 && path[0] === 0;
  // A filesystem path carries its terminating NUL in the length, as CPython passes it; an abstract name must not,
  // and neither does the empty name (the kernel then says EINVAL, as to Python).
  const buf = Buffer.alloc(2 + path.length + (abstract || path.length === 0 ? 0 : 1));
  buf.writeUInt16LE(AF_UNIX, 0);
  buf.set(path, 2);
  return buf;
}

/** struct sockaddr_nl: Python's (pid, groups). */
export function encodeNetlink(pid: number, groups: number): Buffer {
  const buf = Buffer.alloc(12);
  buf.writeUInt16LE(AF_NETLINK, 0);
  buf.writeUInt32LE(pid, 4);
  buf.writeUInt32LE(groups, 8);
  return buf;
}

/** struct sockaddr_ll: Python's (ifname, proto, pkttype, hatype, addr), with the interface already an index. */
export function encodePacket(
  ifindex: number,
  protocol: number,
  pkttype: number,
  hatype: number,
  addr: Uint8Array,
): Buffer {
  const buf = Buffer.alloc(20);
  buf.writeUInt16LE(AF_PACKET, 0);
  buf.writeUInt16BE(protocol, 2);
  buf.writeInt32LE(ifindex, 4);
  buf.writeUInt16LE(hatype, 8);
  buf.writeUInt8(pkttype, 10);
  buf.writeUInt8(addr.length, 11);
  buf.set(addr.subarray(0, 8), 12);
  return buf;
}

/** Decodes the first `len` bytes of a sockaddr the kernel filled in. */
export function decodeSockaddr(buf: Buffer, len: number): RawSockaddr {
  if (len < 2) return { family: 0, bytes: new Uint8Array(0) };
  const family = buf.readUInt16LE(0);
  switch (family) {
    case AF_INET:
      return { family, port: buf.readUInt16BE(2), host: Uint8Array.prototype.slice.call(buf, 4, 8) };
    case AF_INET6:
      return {
        family,
        port: buf.readUInt16BE(2),
        flowinfo: buf.readUInt32BE(4),
        host: Uint8Array.prototype.slice.call(buf, 8, 24),
        scopeId: buf.readUInt32LE(24),
      };
    case AF_UNIX: {
      let path = Uint8Array.prototype.slice.call(buf, 2, len);
      // A filesystem path ends at its first NUL; an abstract name keeps every byte.
      if (path.length > 0 && path[0] !== 0) {
        const nul = path.indexOf(0);
        if (nul >= 0) path = path.subarray(0, nul);
      }
      return { family, path };
    }
    case AF_NETLINK:
      return { family, pid: buf.readUInt32LE(4), groups: buf.readUInt32LE(8) };
    case AF_PACKET:
      return {
        family,
        protocol: buf.readUInt16BE(2),
        ifindex: buf.readInt32LE(4),
        hatype: buf.readUInt16LE(8),
        pkttype: buf.readUInt8(10),
        addr: Uint8Array.prototype.slice.call(buf, 12, 12 + Math.min(8, buf.readUInt8(11))),
      };
    default:
      return { family, bytes: Uint8Array.prototype.slice.call(buf, 2, len) };
  }
}
