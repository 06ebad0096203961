// Per-socket TCP state from the kernel's socket-diagnostics netlink interface (NETLINK_SOCK_DIAG, what `ss` uses):
// for a listener, its accept queue's length and maximum; for every socket, its state — so the SYN-RECV requests
// of a listener can be counted, and its drops (sk_drops, from the memory-info attribute). Message building and
// parsing are pure; querySockets() does the one netlink exchange.

import { checkResult } from "../libc/errors.js";
import { AF_INET, AF_INET6, AF_NETLINK, SOCK_CLOEXEC, SOCK_DGRAM } from "../libc/constants.js";
import { formatIPv4, formatIPv6 } from "../libc/inet.js";
import { loadSyscalls, sys } from "../libc/syscalls.js";
import { groupListeners } from "./listeners.js";
import { TCP_STATES } from "./proc-net-tcp.js";

const NETLINK_SOCK_DIAG = 4;
const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const IPPROTO_TCP = 6;
const NLMSG_HDRLEN = 16;
const INET_DIAG_MSG_LEN = 72;
/** The memory-info attribute (INET_DIAG_SKMEMINFO): u32 counters, of which SK_MEMINFO_DROPS is the ninth. */
const INET_DIAG_SKMEMINFO = 7;
const SK_MEMINFO_DROPS = 8;
/** Every TCP state (bit n = state n), including NEW_SYN_RECV request sockets. */
export const ALL_STATES = 0xffff;
/**
 * Every state but TIME-WAIT: what queue figures need. A busy host holds tens of thousands of TIME-WAIT sockets,
 * and dumping them makes each sample tens of milliseconds slower.
 */
export const LIVE_STATES = ALL_STATES & ~(1 << 6);
/**
 * Listeners and their half-open requests (SYN-RECV, and NEW_SYN_RECV request sockets): the cheapest dump that
 * still counts SYN-RECV.
 */
export const LISTEN_AND_REQUEST_STATES = (1 << 3) | (1 << 10) | (1 << 12);

export interface DiagSocket {
  family: 4 | 6;
  state: string;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** LISTEN: connections in the accept queue now. Otherwise: bytes received and not yet read. */
  rqueue: number;
  /** LISTEN: the accept queue's maximum, min(backlog, somaxconn). Otherwise: bytes not yet acknowledged. */
  wqueue: number;
  uid: number;
  inode: number;
  /**
   * Packets the socket dropped (sk_drops). For a listener that is every SYN or final ACK tcp_listendrop() threw
   * away — the accept queue full, or the SYN queue — so it is that listener's own share of TcpExt.ListenDrops.
   * Null for request and TIME-WAIT sockets, which carry no memory info.
   */
  drops: number | null;
}

/** The netlink request for a dump of every TCP socket of `family` in `states`, with each full socket's memory info. */
export function buildDumpRequest(family: number, seq = 1, states = ALL_STATES): Buffer {
  const buf = Buffer.alloc(NLMSG_HDRLEN + 56);
  buf.writeUInt32LE(buf.length, 0);
  buf.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
  buf.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  buf.writeUInt32LE(seq, 8);
  buf.writeUInt8(family, 16); // inet_diag_req_v2: family, protocol, ext, pad, states, then an all-zero sockid
  buf.writeUInt8(IPPROTO_TCP, 17);
  buf.writeUInt8(1 << (INET_DIAG_SKMEMINFO - 1), 18); // idiag_ext: a bit per attribute, numbered from 1
  buf.writeUInt32LE(states, 20);
  return buf;
}

/** What one netlink reply datagram holds: sockets, and whether the dump is done or failed (negative errno). */
export interface DiagChunk {
  sockets: DiagSocket[];
  done: boolean;
  error: number;
}

/** Parses one reply datagram; malformed or truncated messages end the parse without throwing. */
export function parseDiagReply(buf: Buffer): DiagChunk {
  const out: DiagChunk = { sockets: [], done: false, error: 0 };
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    const type = buf.readUInt16LE(off + 4);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    if (type === NLMSG_DONE) {
      out.done = true;
      break;
    }
    if (type === NLMSG_ERROR) {
      out.error = len >= NLMSG_HDRLEN + 4 ? buf.readInt32LE(off + NLMSG_HDRLEN) : -1;
      out.done = true;
      break;
    }
    if (type === SOCK_DIAG_BY_FAMILY && len >= NLMSG_HDRLEN + INET_DIAG_MSG_LEN) {
      const entry = parseDiagMsg(buf.subarray(off + NLMSG_HDRLEN, off + len));
      if (entry) out.sockets.push(entry);
    }
    off += (len + 3) & ~3;
  }
  return out;
}

function parseDiagMsg(m: Buffer): DiagSocket | null {
  const family = m.readUInt8(0);
  const state = TCP_STATES[m.readUInt8(1)];
  if ((family !== AF_INET && family !== AF_INET6) || state === undefined) return null;
  const v4 = family === AF_INET;
  const addr = (at: number) => (v4 ? formatIPv4(m.subarray(at, at + 4)) : formatIPv6(m.subarray(at, at + 16)));
  return {
    family: v4 ? 4 : 6,
    state,
    localPort: m.readUInt16BE(4),
    remotePort: m.readUInt16BE(6),
    localAddress: addr(8),
    remoteAddress: addr(24),
    rqueue: m.readUInt32LE(56),
    wqueue: m.readUInt32LE(60),
    uid: m.readUInt32LE(64),
    inode: m.readUInt32LE(68),
    drops: dropsAttribute(m.subarray(INET_DIAG_MSG_LEN)),
  };
}

/** SK_MEMINFO_DROPS from the attributes after an inet_diag_msg (rtattr: u16 length, u16 type, aligned to 4). */
function dropsAttribute(attrs: Buffer): number | null {
  for (let off = 0; off + 4 <= attrs.length;) {
    const len = attrs.readUInt16LE(off);
    if (len < 4 || off + len > attrs.length) break;
    if (attrs.readUInt16LE(off + 2) === INET_DIAG_SKMEMINFO && len >= 4 + 4 * (SK_MEMINFO_DROPS + 1))
      return attrs.readUInt32LE(off + 4 + 4 * SK_MEMINFO_DROPS);
    off += (len + 3) & ~3;
  }
  return null;
}

/** The TCP sockets of this network namespace in `states` (a bit per state), as sock_diag reports them (no privilege needed). */
export function querySockets(states = ALL_STATES, families: readonly number[] = [AF_INET, AF_INET6]): DiagSocket[] {
  loadSyscalls();
  const out: DiagSocket[] = [];
  for (const family of families) {
    const fd = sys.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    checkResult(fd, "socket(AF_NETLINK)");
    try {
      const req = buildDumpRequest(family, 1, states);
      const kernel = Buffer.alloc(12);
      kernel.writeUInt16LE(AF_NETLINK, 0);
      const sent = sys.sendto(fd, req, req.length, 0, kernel, kernel.length);
      checkResult(sent, "sendto(sock_diag)");
      const buf = Buffer.alloc(256 * 1024);
      for (;;) {
        // A blocking read: the kernel has the whole dump ready, chunk after chunk.
        const n = sys.recv(fd, buf, buf.length, 0);
        checkResult(n, "recv(sock_diag)");
        const chunk = parseDiagReply(buf.subarray(0, n));
        out.push(...chunk.sockets);
        checkResult(chunk.error, "sock_diag");
        if (chunk.done || n === 0) break;
      }
    } finally {
      sys.close(fd);
    }
  }
  return out;
}

export interface ListenerQueues {
  port: number;
  localAddress: string;
  /** Connections completed by the kernel and waiting for accept(). */
  acceptQueue: number;
  /** The most the accept queue holds before the kernel drops: min(backlog, somaxconn) (+1, see docs). */
  acceptQueueMax: number;
  /** Half-open connections (SYN received, SYN-ACK sent, final ACK not yet in) for this listener. */
  synRecv: number;
  /** Connections established to this port (accepted or not). */
  established: number;
  inode: number;
}

/**
 * Queue figures for each listening socket on `port` (all when port is undefined); the SYN-RECV and established
 * counts are its listener's (its address and port: the sockets SO_REUSEPORT puts there share them).
 */
export function listenerQueues(sockets: DiagSocket[], port?: number): ListenerQueues[] {
  return groupListeners(sockets)
    .filter((l) => port === undefined || l.port === port)
    .flatMap((l) =>
      l.sockets.map((s) => ({
        port: l.port,
        localAddress: l.address,
        acceptQueue: s.acceptQueue,
        acceptQueueMax: s.backlog,
        synRecv: l.synRecv,
        established: l.established,
        inode: s.inode,
      })),
    );
}
