// Socket addresses as Python spells them — (host, port) for AF_INET, (host, port, flowinfo, scope_id) for AF_INET6,
// a path for AF_UNIX — checked, resolved and turned into the kernel's sockaddr bytes and back.

import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX, EAI_ADDRFAMILY, EAI_NONAME } from "../libc/constants.js";
import type { AddressFamily, SocketKind } from "./constants.js";
import { loadSyscalls } from "../libc/syscalls.js";
import { checkInt } from "./arguments.js";
import { getaddrinfoAsync, getaddrinfoSync, ResolverFailure, type AddrInfoEntry } from "../libc/resolver.js";
import {
  decodeSockaddr,
  encodeInet,
  encodeInet6,
  encodeNetlink,
  encodePacket,
  encodeUnix,
  UNIX_PATH_MAX,
} from "../libc/sockaddr.js";
import { GaiError, OSError } from "./errors.js";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "../libc/inet.js";

export type IPv4Address = [host: string, port: number];
export type IPv6Address = [host: string, port: number, flowinfo: number, scopeId: number];
/**
 * A filesystem path as a string, or, as Python gives bytes, a Buffer: an abstract-namespace name (starting with a
 * NUL byte) and a path that is not valid UTF-8. Either form passed back to bind() or connect() names the same socket.
 */
export type UnixAddress = string | Buffer;
/** AF_NETLINK: (pid, groups). */
export type NetlinkAddress = [pid: number, groups: number];
/** AF_PACKET: (ifname, proto, pkttype, hatype, addr). */
export type PacketAddress = [ifname: string, proto: number, pkttype: number, hatype: number, addr: Buffer];
export type Address = IPv4Address | IPv6Address | UnixAddress | NetlinkAddress | PacketAddress;
/** An AF_INET or AF_INET6 address: what TCP and UDP servers and their clients have. */
export type InetAddress = IPv4Address | IPv6Address;

/**
 * The address type of a socket of family `F`: (host, port) for AF_INET, the 4-tuple for AF_INET6, a path for
 * AF_UNIX, and any Address when the family is not known at compile time (`number`). "Not known" is spelled "both
 * AF_INET and AF_INET6 fit in F", because TypeScript lets `number` extend any numeric enum member.
 */
export type AddressOf<F extends number> = [AddressFamily.AF_INET | AddressFamily.AF_INET6] extends [F]
  ? Address
  : [F] extends [AddressFamily.AF_INET]
    ? IPv4Address
    : [F] extends [AddressFamily.AF_INET6]
      ? IPv6Address
      : [F] extends [AddressFamily.AF_UNIX]
        ? UnixAddress
        : Address;

/**
 * What recvfrom() gives as the sender on a socket of family `F` and type `T`: an AF_INET or AF_INET6 datagram
 * always has one; a stream socket (the kernel names no sender), an unbound AF_UNIX peer or an unknown family or
 * type may give null.
 */
export type SenderOf<F extends number, T extends number> = [AddressFamily.AF_INET | AddressFamily.AF_INET6] extends [F]
  ? Address | null
  : [SocketKind.SOCK_STREAM | SocketKind.SOCK_DGRAM] extends [T]
    ? AddressOf<F> | null
    : [F] extends [AddressFamily.AF_INET | AddressFamily.AF_INET6]
      ? [T] extends [SocketKind.SOCK_DGRAM]
        ? AddressOf<F>
        : AddressOf<F> | null
      : AddressOf<F> | null;
/** What callers may pass: IPv6 addresses may leave out flowinfo and scopeId, Unix paths may be bytes. */
export type AddressInput =
  | readonly [string, number]
  | readonly [string, number, number?, number?]
  | readonly [number, number]
  | readonly [string, number, number?, number?, Uint8Array?]
  | string
  | Uint8Array;

interface InetParts {
  host: string;
  port: number;
  flowinfo: number;
  scopeId: number;
}

const ANY4 = new Uint8Array(4);
const BROADCAST4 = new Uint8Array([255, 255, 255, 255]);
const ANY6 = new Uint8Array(16);

function checkInet(family: number, address: AddressInput, argument: string): InetParts {
  const shape = family === AF_INET ? "(host, port)" : "(host, port[, flowinfo[, scopeId]])";
  const name = family === AF_INET ? "AF_INET" : "AF_INET6";
  if (!Array.isArray(address)) throw new TypeError(`${argument}: ${name} address must be a tuple ${shape}`);
  const max = family === AF_INET ? 2 : 4;
  if (address.length < 2 || address.length > max) {
    throw new TypeError(`${argument}: ${name} address must be a tuple ${shape}, got ${address.length} items`);
  }
  const [host, port, flowinfo = 0, scopeId = 0] = address as [unknown, unknown, unknown?, unknown?];
  if (typeof host !== "string") throw new TypeError(`${argument}: host must be a string, got ${typeof host}`);
  // C strings end at a NUL: "127.0.0.1\0.allowed.example" would reach 127.0.0.1 past an allow-list check.
  if (host.includes("\0")) throw new TypeError(`${argument}: host name must not contain null character`);
  if (typeof port !== "number" || !Number.isInteger(port)) {
    throw new TypeError(`${argument}: port must be an integer, got ${String(port)}`);
  }
  if (port < 0 || port > 65535) throw new RangeError(`${argument}: port must be 0-65535, got ${port}`);
  if (typeof flowinfo !== "number" || !Number.isInteger(flowinfo) || flowinfo < 0 || flowinfo > 0xfffff) {
    throw new RangeError(`${argument}: flowinfo must be 0-1048575, got ${String(flowinfo)}`);
  }
  if (typeof scopeId !== "number" || !Number.isInteger(scopeId) || scopeId < 0 || scopeId > 0xffffffff) {
    throw new RangeError(`${argument}: scopeId must be 0-4294967295, got ${String(scopeId)}`);
  }
  return { host, port, flowinfo, scopeId };
}

function unixBytes(address: AddressInput, argument: string): Uint8Array {
  let bytes: Uint8Array;
  if (typeof address === "string") bytes = Buffer.from(address, "utf8");
  else if (address instanceof Uint8Array) bytes = address;
  else throw new TypeError(`${argument}: AF_UNIX address must be a path string or bytes`);
  const abstract = bytes.length > 0 && bytes[0] === 0;
  if (bytes.length > (abstract ? UNIX_PATH_MAX : UNIX_PATH_MAX - 1)) throw new OSError(null, "AF_UNIX path too long");
  return bytes;
}

/** Numeric or special hosts need no resolver: "", "<broadcast>", dotted quads, IPv6 text. */
function literalHost(family: number, host: string): Uint8Array | null {
  if (family === AF_INET) {
    if (host === "") return ANY4;
    if (host === "<broadcast>") return BROADCAST4;
    return parseIPv4(host);
  }
  if (host === "") return ANY6;
  return parseIPv6(host);
}

/** Turns a resolver failure into Python's gaierror. */
export function gaiError(err: unknown): unknown {
  if (err instanceof ResolverFailure) {
    return err.errno !== 0 ? OSError.fromErrno(err.errno) : new GaiError(err.code, err.message);
  }
  return err;
}

/** AF_NETLINK and AF_PACKET addresses, which never need a resolver; null for other families. */
function otherFamily(family: number, address: AddressInput, argument: string): Buffer | null {
  if (family === AF_NETLINK) {
    if (!Array.isArray(address) || address.length !== 2)
      throw new TypeError(`${argument}: AF_NETLINK address must be a tuple (pid, groups)`);
    const [pid, groups] = address as unknown[];
    return encodeNetlink(
      checkInt(pid, `${argument}: pid`, 0, 0xffffffff),
      checkInt(groups, `${argument}: groups`, 0, 0xffffffff),
    );
  }
  if (family === AF_PACKET) {
    if (!Array.isArray(address) || address.length < 2 || address.length > 5) {
      throw new TypeError(
        `${argument}: AF_PACKET address must be a tuple (ifname, proto[, pkttype[, hatype[, addr]]])`,
      );
    }
    const [ifname, proto, pkttype = 0, hatype = 0, addr = new Uint8Array(0)] = address as unknown[];
    if (typeof ifname !== "string") throw new TypeError(`${argument}: ifname must be a string`);
    const index = loadSyscalls().ifNametoindex(ifname);
    if (index < 0) throw OSError.fromErrno(-index, { syscall: "if_nametoindex" });
    if (!(addr instanceof Uint8Array) || addr.length > 8)
      throw new TypeError(`${argument}: addr must be at most 8 bytes`);
    return encodePacket(
      index,
      checkInt(proto, `${argument}: proto`, 0, 0xffff),
      checkInt(pkttype, `${argument}: pkttype`, 0, 255),
      checkInt(hatype, `${argument}: hatype`, 0, 0xffff),
      addr,
    );
  }
  return null;
}

/** The sockaddr bytes of `address` when no resolver is needed, or its checked parts when its host is a name. */
function encodeWithoutLookup(family: number, address: AddressInput, argument: string): Buffer | InetParts {
  if (family === AF_UNIX) return encodeUnix(unixBytes(address, argument));
  const other = otherFamily(family, address, argument);
  if (other !== null) return other;
  const parts = checkInet(family, address, argument);
  const host = literalHost(family, parts.host);
  return host === null ? parts : encodeInetParts(family, host, parts);
}

function encodeInetParts(family: number, host: Uint8Array, p: InetParts): Buffer {
  return family === AF_INET ? encodeInet(host, p.port) : encodeInet6(host, p.port, p.flowinfo, p.scopeId);
}

/** The sockaddr bytes for `parts` with the first address of `family` the resolver gave for its host. */
function encodeResolved(family: number, parts: InetParts, entries: AddrInfoEntry[]): Buffer {
  const entry = entries.find((e) => e.family === family);
  if (!entry) throw new GaiError(EAI_ADDRFAMILY, "Address family for hostname not supported");
  const raw = decodeSockaddr(entry.sockaddr, entry.sockaddr.length);
  if (!("host" in raw)) throw new GaiError(EAI_NONAME, `Name or service not known: ${parts.host}`);
  return encodeInetParts(family, raw.host, parts);
}

const lookupHints = (family: number) => ({ family, type: 0, protocol: 0, flags: 0 });

/** sockaddr bytes for `address`; host names are resolved here, on this thread, as Python's bind() does. */
export function toSockaddrSync(family: number, address: AddressInput, argument = "address"): Buffer {
  const encoded = encodeWithoutLookup(family, address, argument);
  if (Buffer.isBuffer(encoded)) return encoded;
  let entries: AddrInfoEntry[];
  try {
    entries = getaddrinfoSync(encoded.host, null, lookupHints(family));
  } catch (err) {
    throw gaiError(err);
  }
  return encodeResolved(family, encoded, entries);
}

/** sockaddr bytes for `address`, as toSockaddrSync() but resolving a host name off the event loop. */
export async function toSockaddr(family: number, address: AddressInput, argument = "address"): Promise<Buffer> {
  const encoded = encodeWithoutLookup(family, address, argument);
  if (Buffer.isBuffer(encoded)) return encoded;
  const entries = await getaddrinfoAsync(encoded.host, null, lookupHints(family)).catch((err: unknown) => {
    throw gaiError(err);
  });
  return encodeResolved(family, encoded, entries);
}

/** The Python address for sockaddr bytes the kernel returned. */
export function fromSockaddr(buf: Buffer, len: number): Address {
  const raw = decodeSockaddr(buf, len);
  if (raw.family === AF_INET && "port" in raw) return [formatIPv4(raw.host), raw.port];
  if (raw.family === AF_INET6 && "flowinfo" in raw) return [formatIPv6(raw.host), raw.port, raw.flowinfo, raw.scopeId];
  if ("path" in raw) return unixName(Buffer.from(raw.path));
  if ("pid" in raw) return [raw.pid, raw.groups];
  if ("ifindex" in raw)
    return [interfaceName(raw.ifindex), raw.protocol, raw.pkttype, raw.hatype, Buffer.from(raw.addr)];
  return "";
}

/** A Unix socket name as Python returns it: text for a UTF-8 path, bytes for an abstract name or other bytes. */
function unixName(bytes: Buffer): UnixAddress {
  if (bytes.length > 0 && bytes[0] === 0) return bytes;
  const text = bytes.toString("utf8");
  return Buffer.from(text, "utf8").equals(bytes) ? text : bytes;
}

function interfaceName(index: number): string {
  const buf = Buffer.alloc(16);
  return loadSyscalls().ifIndextoname(index, buf) < 0 ? "" : buf.subarray(0, buf.indexOf(0)).toString("utf8");
}

/** True for ('0.0.0.0', 0), ('::', 0, …) and '' — what getsockname gives for a socket never bound. */
export function isUnbound(address: Address): boolean {
  if (typeof address === "string" || Buffer.isBuffer(address)) return address.length === 0;
  return typeof address[0] === "string" && address.length <= 4 && address[1] === 0;
}
