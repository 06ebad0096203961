// struct tcp_info, as getsockopt(IPPROTO_TCP, TCP_INFO) fills it on Linux (include/uapi/linux/tcp.h).

import { TCP_STATES_BY_NUMBER } from "./tcp-states.js";

/** The buffer size to ask for; older kernels fill less and report how much. */
export const TCP_INFO_SIZE = 232;

export interface TcpInfo {
  /** The connection's state, named as `ss` names it (ESTAB, SYN-SENT, …). */
  state: string;
  caState: number;
  /** Retransmissions of the current segment (the backoff count). */
  retransmits: number;
  probes: number;
  backoff: number;
  /** Retransmission timeout, microseconds. */
  rto: number;
  /** Delayed-ACK timeout, microseconds. */
  ato: number;
  sndMss: number;
  rcvMss: number;
  /** Segments sent and not yet acknowledged. */
  unacked: number;
  sacked: number;
  lost: number;
  retrans: number;
  /** Milliseconds since the last data was sent / received, and since the last ACK was received. */
  lastDataSent: number;
  lastDataRecv: number;
  lastAckRecv: number;
  pmtu: number;
  /** Smoothed round-trip time and its variation, microseconds. */
  rtt: number;
  rttvar: number;
  sndSsthresh: number;
  sndCwnd: number;
  advmss: number;
  reordering: number;
  totalRetrans: number;
  bytesAcked: bigint | null;
  bytesReceived: bigint | null;
  segsOut: number | null;
  segsIn: number | null;
}

/** Decodes the first `len` bytes of a struct tcp_info; fields beyond what the kernel filled are null. */
export function decodeTcpInfo(b: Buffer, len: number): TcpInfo {
  const u32 = (off: number) => (off + 4 <= len ? b.readUInt32LE(off) : 0);
  const state = b.readUInt8(0);
  return {
    state: TCP_STATES_BY_NUMBER[state] ?? String(state),
    caState: b.readUInt8(1),
    retransmits: b.readUInt8(2),
    probes: b.readUInt8(3),
    backoff: b.readUInt8(4),
    rto: u32(8),
    ato: u32(12),
    sndMss: u32(16),
    rcvMss: u32(20),
    unacked: u32(24),
    sacked: u32(28),
    lost: u32(32),
    retrans: u32(36),
    lastDataSent: u32(44),
    lastDataRecv: u32(52),
    lastAckRecv: u32(56),
    pmtu: u32(60),
    rtt: u32(68),
    rttvar: u32(72),
    sndSsthresh: u32(76),
    sndCwnd: u32(80),
    advmss: u32(84),
    reordering: u32(88),
    totalRetrans: u32(100),
    bytesAcked: len >= 128 ? b.readBigUInt64LE(120) : null,
    bytesReceived: len >= 136 ? b.readBigUInt64LE(128) : null,
    segsOut: len >= 140 ? b.readUInt32LE(136) : null,
    segsIn: len >= 144 ? b.readUInt32LE(140) : null,
  };
}
