// What the delay line reads of a packet: the IPv4 + TCP header fields the lab's claims and pictures use, the packet's
// name ("SYN", "SYN-ACK", …), and the log entry the line keeps for each one it carried.

/** What the forwarder reads of a TCP packet: its direction, flags, payload length and ports. */
export interface Packet {
  from: "client" | "server";
  syn: boolean;
  ack: boolean;
  fin: boolean;
  rst: boolean;
  payload: number;
  srcPort: number;
  dstPort: number;
}

/** A packet as the line logged it: when it left, how long it was held, and when it was delivered. */
export interface LoggedPacket extends Packet {
  /** ms since the delay line was made, when the line read the packet from its sender's device. */
  t: number;
  delayMs: number;
  /** "SYN", "SYN-ACK", "ACK", "RST", "FIN", "DATA". */
  kind: string;
  /**
   * ms since the delay line was made, when the packet was handed to the receiving kernel (a busy machine hands it
   * over later than t + delayMs); undefined while it is on the line, or if the line stopped before.
   */
  deliveredAt?: number;
  /** The listener's accept queue just before and just after the receiving kernel took the packet, where a run probes. */
  acceptQueue?: { before: number; after: number };
}

/** Parses the IPv4 + TCP headers of a packet read from a TUN device; null for anything else. */
export function parsePacket(buf: Buffer, from: "client" | "server"): Packet | null {
  if (buf.length < 20 || buf[0]! >> 4 !== 4 || buf[9] !== 6) return null;
  const ihl = (buf[0]! & 0x0f) * 4;
  if (buf.length < ihl + 20) return null;
  const total = buf.readUInt16BE(2);
  const flags = buf[ihl + 13]!;
  const dataOffset = (buf[ihl + 12]! >> 4) * 4;
  return {
    from,
    srcPort: buf.readUInt16BE(ihl),
    dstPort: buf.readUInt16BE(ihl + 2),
    fin: (flags & 0x01) !== 0,
    syn: (flags & 0x02) !== 0,
    rst: (flags & 0x04) !== 0,
    ack: (flags & 0x10) !== 0,
    payload: Math.max(0, total - ihl - dataOffset),
  };
}

/** The packet's name as the lab's ladders print it. */
export function packetKind(p: Packet): string {
  if (p.rst) return "RST";
  if (p.syn) return p.ack ? "SYN-ACK" : "SYN";
  if (p.fin) return "FIN";
  return p.payload > 0 ? "DATA" : "ACK";
}

/** The client's port of a packet, whichever way it went: the name the lab gives a connection. */
export function clientPort(p: Packet): number {
  return p.from === "client" ? p.srcPort : p.dstPort;
}
