// A complete capture: every packet a delay line carried, frozen once the line stopped forwarding, so that a claim
// about packets reads the whole run and never a log that may still grow. The queries the experiments' claims ask
// of it (a client's SYNs, what answered them) live here, once.

import { clientPort, type LoggedPacket } from "./packet.js";

/** One packet as it crossed the line, for a capture file: wall-clock time and the IP packet's bytes. */
export interface Frame {
  /** Microseconds since the Unix epoch, when the line read the packet. */
  atUs: number;
  bytes: Buffer;
}

/** Every packet of one delay line, in the order the line read them; made only by DelayLine.finish(). */
export interface Capture {
  readonly packets: readonly LoggedPacket[];
  readonly frames: readonly Frame[];
}

/** The packets of the connection from client port `port`, both directions, in order. */
export function connectionPackets(capture: Capture, port: number): LoggedPacket[] {
  return capture.packets.filter((p) => clientPort(p) === port);
}

/** The SYNs the client on `port` sent (its first one and each retransmission), in order. */
export function synsFrom(capture: Capture, port: number): LoggedPacket[] {
  return capture.packets.filter((p) => p.from === "client" && p.kind === "SYN" && p.srcPort === port);
}

/** What the server sent to client port `port` from `fromT` (inclusive) to `toT` (exclusive), on the line's clock. */
export function serverPacketsTo(capture: Capture, port: number, fromT: number, toT = Infinity): LoggedPacket[] {
  return capture.packets.filter((p) => p.from === "server" && p.dstPort === port && p.t >= fromT && p.t < toT);
}

/** Whether the server answered the SYN `syn` (a SYN-ACK or an RST) before that client's next SYN. */
export function answerTo(capture: Capture, syn: LoggedPacket): LoggedPacket | undefined {
  const next = synsFrom(capture, syn.srcPort).find((s) => s.t > syn.t);
  return serverPacketsTo(capture, syn.srcPort, syn.t, next?.t).find((p) => p.kind === "SYN-ACK" || p.kind === "RST");
}

/** The SYNs nothing answered: dropped by the server's kernel (each one a ListenDrops). */
export function unansweredSyns(capture: Capture): LoggedPacket[] {
  return capture.packets.filter((p) => p.from === "client" && p.kind === "SYN" && answerTo(capture, p) === undefined);
}

/** The client ports that sent a SYN, in the order of their first SYN. */
export function clientPorts(capture: Capture): number[] {
  return [...new Set(capture.packets.filter((p) => p.from === "client" && p.kind === "SYN").map((p) => p.srcPort))];
}

/** Whether the server sent client port `port` a packet of `kind` ("SYN-ACK", "RST") before `untilT`. */
export function serverSent(capture: Capture, port: number, kind: string, untilT = Infinity): boolean {
  return serverPacketsTo(capture, port, -Infinity, untilT).some((p) => p.kind === kind);
}

/** A client's packet whose delivery put a connection in the accept queue (the probed queue grew). */
export function enteredQueue(p: LoggedPacket): boolean {
  return p.from === "client" && p.acceptQueue !== undefined && p.acceptQueue.after > p.acceptQueue.before;
}

/**
 * The packets that met a full accept queue (more than `max` queued) and could not enter it, each a ListenOverflows:
 * a SYN, or a bare ACK from a client whose connection had not yet entered the queue. Only probed packets count.
 */
export function overflowingPackets(capture: Capture, max: number, untilT = Infinity): LoggedPacket[] {
  const entered = new Set<number>();
  const out: LoggedPacket[] = [];
  for (const p of capture.packets) {
    if (p.from !== "client" || p.acceptQueue === undefined || (p.deliveredAt ?? Infinity) > untilT) continue;
    if (enteredQueue(p)) entered.add(p.srcPort);
    const handshake = p.kind === "SYN" || (p.kind === "ACK" && !entered.has(p.srcPort));
    if (handshake && p.acceptQueue.before > max && p.acceptQueue.after === p.acceptQueue.before) out.push(p);
  }
  return out;
}

/** The accept queue as the last probed packet delivered by `t` left it; undefined if none was probed. */
export function probedQueueAt(capture: Capture, t: number): number | undefined {
  let last: LoggedPacket | undefined;
  for (const p of capture.packets) {
    const at = p.deliveredAt ?? Infinity;
    if (p.acceptQueue !== undefined && at <= t && (last === undefined || at >= last.deliveredAt!)) last = p;
  }
  return last?.acceptQueue?.after;
}
