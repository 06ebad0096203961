// A delay line between two private network namespaces, for experiments that need handshakes in flight: a client
// namespace and a server namespace joined by two TUN devices, and a forwarder in this process that carries each
// packet across after a delay chosen per packet, logging SYN, SYN-ACK, ACK, RST and FIN with their times.
// This machine's kernel has no netem qdisc, and tcpdump is not needed: the forwarder sees every packet.
// Needs root. The namespaces are removed by close(), and at exit if an experiment fails on the way.

import { spawnSync } from "node:child_process";
import { E } from "../libc/errno.js";
import { closeFd, openNamespace, openTun, withNamespace } from "../libc/netns.js";
import { READABLE, registrationFor, type Registration } from "../libc/poller.js";
import { loadSyscalls, sys } from "../libc/syscalls.js";
import { pollUntil, startClock } from "./clock.js";
import { requireRoot } from "./result.js";

// In 198.18.0.0/15, which RFC 2544 sets aside for benchmarks: no real network uses it.
const CLIENT_ADDRESS = "198.18.0.1";

/** The server namespace's address on the line, where experiments bind their listeners. */
export const SERVER_ADDRESS = "198.18.0.2";

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
  /** ms since the delay line was made, when the packet left its sender. */
  t: number;
  delayMs: number;
  /** "SYN", "SYN-ACK", "ACK", "RST", "FIN-ACK", "DATA"… */
  kind: string;
  /** ms since the delay line was made, when the packet was handed to the receiving kernel (a busy machine hands it
   * over later than t + delayMs); undefined while it is on the line. */
  deliveredAt?: number;
}

/** How long to hold a packet, in ms; HOLD keeps it until release() lets it through. */
type DelayRule = (p: Packet) => number;

/** A delay that ends only at release(): an experiment's latch, where a timer would race the scheduler. */
export const HOLD = Infinity;

/** Parses the IPv4 + TCP headers of a packet read from a TUN device; null for anything else. */
function parsePacket(buf: Buffer, from: "client" | "server"): Packet | null {
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

function packetKind(p: Packet): string {
  if (p.rst) return "RST";
  if (p.syn) return p.ack ? "SYN-ACK" : "SYN";
  if (p.fin) return "FIN";
  return p.payload > 0 ? "DATA" : "ACK";
}

function ip(args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`);
}

/** Sets sysctls inside the namespace `name` only; the host's are never touched. */
function setSysctls(name: string, sysctls: Record<string, number>): void {
  for (const [key, value] of Object.entries(sysctls)) {
    const r = spawnSync("ip", ["netns", "exec", name, "sysctl", "-q", "-w", `${key}=${value}`], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`sysctl ${key}=${value} in namespace ${name} failed: ${r.stderr.trim()}`);
  }
}

const live = new Set<string>();
let exitHookInstalled = false;

function addNamespace(name: string): void {
  ip(["netns", "add", name]);
  live.add(name);
  ip(["-n", name, "link", "set", "lo", "up"]);
}

function removeNamespace(name: string): void {
  if (!live.delete(name)) return;
  spawnSync("ip", ["netns", "del", name]);
}

/** Two namespaces joined by TUN devices, and the forwarder between them that delays and logs every packet. */
export class DelayLine {
  readonly log: LoggedPacket[] = [];
  /** ms since the delay line was made, to a tenth: the time of every logged packet. */
  readonly now = startClock(1);
  private closed = false;
  /** Packets held until release(), in the order they came. */
  private readonly held: Array<() => void> = [];
  /** Packets read and not yet written on (held ones included). */
  private inFlight = 0;
  private readonly sides: Array<{ from: "client" | "server"; src: number; dst: number }> = [];
  /** One packet at a time: every read is copied out before the next. */
  private readonly scratch = Buffer.alloc(65536);
  private readonly loops: Registration[] = [];

  private constructor(
    readonly clientNamespace: string,
    readonly serverNamespace: string,
    private readonly clientNs: number,
    private readonly serverNs: number,
    private readonly tuns: { client: number; server: number },
    private readonly rule: DelayRule,
  ) {}

  /** Makes the two namespaces, their TUN devices and addresses, and starts forwarding. */
  static create(rule: DelayRule, sysctls: Record<string, number> = {}): DelayLine {
    requireRoot("two private network namespaces joined by a delay line");
    loadSyscalls();
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on("exit", () => [...live].forEach(removeNamespace));
    }
    const tag = `sk${process.pid}x${Math.floor(Math.random() * 1e6)}`;
    const names = { client: `${tag}c`, server: `${tag}s` };
    const fds: number[] = [];
    try {
      for (const name of [names.client, names.server]) addNamespace(name);
      const clientNs = openNamespace(`/run/netns/${names.client}`);
      fds.push(clientNs);
      const serverNs = openNamespace(`/run/netns/${names.server}`);
      fds.push(serverNs);
      const client = withNamespace(clientNs, () => openTun("sk0"));
      fds.push(client);
      const server = withNamespace(serverNs, () => openTun("sk0"));
      fds.push(server);
      for (const [name, address] of [
        [names.client, CLIENT_ADDRESS],
        [names.server, SERVER_ADDRESS],
      ] as const) {
        ip(["-n", name, "addr", "add", `${address}/30`, "dev", "sk0"]);
        ip(["-n", name, "link", "set", "sk0", "up"]);
      }
      setSysctls(names.server, sysctls);
      const line = new DelayLine(names.client, names.server, clientNs, serverNs, { client, server }, rule);
      line.forward("client", client, server);
      line.forward("server", server, client);
      return line;
    } catch (err) {
      for (const fd of fds) closeFd(fd);
      removeNamespace(names.client);
      removeNamespace(names.server);
      throw err;
    }
  }

  /** Runs `fn` (synchronous: make a socket, read /proc/net) inside the client's namespace. */
  inClient<T>(fn: () => T): T {
    return withNamespace(this.clientNs, fn);
  }

  /** Runs `fn` inside the server's namespace. */
  inServer<T>(fn: () => T): T {
    return withNamespace(this.serverNs, fn);
  }

  private forward(from: "client" | "server", src: number, dst: number): void {
    const registration = registrationFor(src);
    this.loops.push(registration);
    this.sides.push({ from, src, dst });
    const pump = async () => {
      while (!this.closed) {
        const n = this.readOne(from, src, dst);
        if (n === -E.EAGAIN) await registration.wait(READABLE, null);
        else if (n < 0) return;
      }
    };
    void pump();
  }

  /** Reads one packet from `src` and sends it on its way (at once, after its delay, or at release()). */
  private readOne(from: "client" | "server", src: number, dst: number): number {
    const n = sys.read(src, this.scratch, this.scratch.length);
    if (n <= 0) return n;
    const packet = Buffer.from(this.scratch.subarray(0, n));
    const parsed = parsePacket(packet, from);
    const delayMs = parsed ? Math.max(0, this.rule(parsed)) : 0;
    const logged: LoggedPacket | null = parsed ? { ...parsed, t: this.now(), delayMs, kind: packetKind(parsed) } : null;
    if (logged) this.log.push(logged);
    const deliver = () => {
      this.inFlight--;
      if (logged) logged.deliveredAt = this.now();
      if (!this.closed) sys.write(dst, packet, packet.length);
    };
    this.inFlight++;
    if (delayMs === 0) deliver();
    else if (delayMs === HOLD) this.held.push(deliver);
    else setTimeout(deliver, delayMs);
    return n;
  }

  /** The first SYN the client on `port` sent, as logged; undefined while none has crossed. */
  synFrom(port: number): LoggedPacket | undefined {
    return this.log.find((p) => p.from === "client" && p.kind === "SYN" && p.srcPort === port);
  }

  /** Lets every packet held by HOLD through, in the order they came. */
  release(): void {
    for (const deliver of this.held.splice(0)) deliver();
  }

  /**
   * Resolves once the line has settled: every packet the two kernels have sent so far has been read and delivered
   * (held ones excepted), so whatever answer a packet provokes has been sent too — a TUN write hands the packet to
   * the receiving kernel before it returns. A latch, not a guess at how long packets take: on a busy machine it
   * simply resolves later. Gives up after `maxMs`.
   */
  async settled(maxMs = 10_000): Promise<void> {
    await pollUntil(() => this.readWaiting() === 0 && this.inFlight === this.held.length, Boolean, maxMs, 5);
  }

  /** Forwards every packet waiting on either device now; returns how many there were. */
  private readWaiting(): number {
    let read = 0;
    for (const side of this.sides) while (this.readOne(side.from, side.src, side.dst) > 0) read++;
    return read;
  }

  /** Stops forwarding, closes the devices and removes both namespaces. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.loops) r.close();
    closeFd(this.tuns.client);
    closeFd(this.tuns.server);
    closeFd(this.clientNs);
    closeFd(this.serverNs);
    removeNamespace(this.clientNamespace);
    removeNamespace(this.serverNamespace);
  }
}
