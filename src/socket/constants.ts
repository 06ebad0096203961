// The public constants of socketkit's socket module, named as Python's socket module names them.
// Values are Linux's (src/libc/constants.ts); AddressFamily and SocketKind print as Python's enums do.

import * as C from "../libc/constants.js";

/** Address families, as Python's socket.AddressFamily. */
export enum AddressFamily {
  AF_UNSPEC = C.AF_UNSPEC,
  AF_UNIX = C.AF_UNIX,
  AF_INET = C.AF_INET,
  AF_INET6 = C.AF_INET6,
  AF_NETLINK = C.AF_NETLINK,
  AF_PACKET = C.AF_PACKET,
}

/** Socket types, as Python's socket.SocketKind. */
export enum SocketKind {
  SOCK_STREAM = C.SOCK_STREAM,
  SOCK_DGRAM = C.SOCK_DGRAM,
  SOCK_RAW = C.SOCK_RAW,
  SOCK_SEQPACKET = C.SOCK_SEQPACKET,
  SOCK_NONBLOCK = C.SOCK_NONBLOCK,
  SOCK_CLOEXEC = C.SOCK_CLOEXEC,
}

export const AF_UNSPEC = AddressFamily.AF_UNSPEC;
export const AF_UNIX = AddressFamily.AF_UNIX;
export const AF_INET = AddressFamily.AF_INET;
export const AF_INET6 = AddressFamily.AF_INET6;
export const AF_NETLINK = AddressFamily.AF_NETLINK;
export const AF_PACKET = AddressFamily.AF_PACKET;

/** getnameinfo() flags. */
export const NI_NUMERICHOST = 1;
export const NI_NUMERICSERV = 2;
export const NI_NOFQDN = 4;
export const NI_NAMEREQD = 8;
export const NI_DGRAM = 16;
export const SOCK_STREAM = SocketKind.SOCK_STREAM;
export const SOCK_DGRAM = SocketKind.SOCK_DGRAM;
export const SOCK_RAW = SocketKind.SOCK_RAW;
export const SOCK_SEQPACKET = SocketKind.SOCK_SEQPACKET;
export const SOCK_NONBLOCK = SocketKind.SOCK_NONBLOCK;
export const SOCK_CLOEXEC = SocketKind.SOCK_CLOEXEC;

export {
  AI_ADDRCONFIG,
  AI_ALL,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  IPPROTO_ICMP,
  IPPROTO_IP,
  IPPROTO_RAW,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  MSG_CMSG_CLOEXEC,
  MSG_CTRUNC,
  MSG_DONTWAIT,
  MSG_EOR,
  MSG_NOSIGNAL,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_WAITALL,
  SCM_CREDENTIALS,
  SCM_RIGHTS,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_ACCEPTCONN,
  SO_BROADCAST,
  SO_DOMAIN,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_PEERCRED,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_TYPE,
  SOL_SOCKET,
  SOMAXCONN,
  TCP_INFO,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_MAXSEG,
  TCP_NODELAY,
} from "../libc/constants.js";

/** Python's repr of a family: "AddressFamily.AF_INET", or the bare number for one it has no name for. */
export function familyName(family: number): string {
  const name = AddressFamily[family];
  return name === undefined ? String(family) : `AddressFamily.${name}`;
}

/** Python's repr of a type: "SocketKind.SOCK_STREAM", or the bare number. */
export function kindName(type: number): string {
  const name = SocketKind[type];
  return name === undefined ? String(type) : `SocketKind.${name}`;
}
