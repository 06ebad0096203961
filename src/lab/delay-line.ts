// A delay line between two private network namespaces, for experiments that need handshakes in flight: a client
// namespace and a server namespace joined by two TUN devices, and a forwarder in this process that carries each
// packet across after a delay chosen per packet, logging SYN, SYN-ACK, ACK, RST and FIN with their times and keeping
// every packet's bytes for a capture file. This machine's kernel has no netem qdisc, and tcpdump is not needed: the
// forwarder sees every packet. Needs root. The namespaces are removed by close(), and at exit if an experiment fails on the way.

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { readSysctl, SYSCTL_PATHS } from "../kernel/sysctl.js";
import { E } from "../libc/errno.js";
import { closeFd, openNamespace, openTun, withNamespace } from "../libc/netns.js";
import { READABLE, registrationFor, type Registration } from "../libc/poller.js";
import { loadSyscalls, sys } from "../libc/syscalls.js";
import type { Capture, Frame } from "./capture.js";
import { pollUntil, startClock } from "./clock.js";
import { packetKind, parsePacket, type LoggedPacket, type Packet } from "./packet.js";
import { requireRoot } from "./result.js";

// In 198.18.0.0/15, which RFC 2544 sets aside for benchmarks: no real network uses it.
const CLIENT_ADDRESS = "198.18.0.1";

/** The server namespace's address on the line, where experiments bind their listeners. */
export const SERVER_ADDRESS = "198.18.0.2";

/** How long to hold a packet, in ms; HOLD keeps it until release() lets it through. */
export type DelayRule = (p: Packet) => number;

/** A delay that ends only at release(): an experiment's latch, where a timer would race the scheduler. */
export const HOLD = Infinity;

/** Sysctls for the line's namespaces by their dotted names, on top of this namespace's listen-path settings. */
export interface LineSysctls {
  server?: Record<string, number>;
  client?: Record<string, number>;
}

function ip(args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`);
}

/**
 * The listen-path sysctls of the namespace this process runs in, by dotted name: a line's namespaces start from
 * them, so that an experiment runs with this machine's settings (and the model with the same) unless told otherwise.
 */
function homeSysctls(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const path of Object.values(SYSCTL_PATHS)) {
    const value = readSysctl(path);
    if (value !== null) out[path.replace(/\//g, ".")] = value;
  }
  return out;
}

/**
 * Sets sysctls inside the namespace `nsFd` only (/proc/sys/net is the calling thread's namespace's); the host's are
 * never touched. A setting this kernel does not have (tcp_syn_linear_timeouts before 6.5) is skipped.
 */
function setSysctls(nsFd: number, sysctls: Record<string, number>): void {
  withNamespace(nsFd, () => {
    for (const [key, value] of Object.entries(sysctls)) {
      try {
        writeFileSync(`/proc/sys/${key.replace(/\./g, "/")}`, String(value));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT" && key.endsWith("linear_timeouts")) continue;
        throw new Error(`sysctl ${key}=${value} in a delay line's namespace failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
  });
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

/** The two ends of the line: which side, its TUN device, and the device packets from it are written to. */
interface Side {
  from: "client" | "server";
  src: number;
  dst: number;
}

/** Two namespaces joined by TUN devices, and the forwarder between them that delays and logs every packet. */
export class DelayLine {
  private readonly log: LoggedPacket[] = [];
  private readonly frames: Frame[] = [];
  /** ms since the delay line was made, to a tenth: the time of every logged packet. */
  readonly now = startClock(1);
  /** Wall-clock microseconds at the line's time 0, for capture files. */
  private readonly epochUs = (performance.timeOrigin + performance.now()) * 1000;
  private forwarding = true;
  private closed = false;
  /** Packets held until release(), in the order they came. */
  private readonly held: Array<() => void> = [];
  /** Packets read and not yet written on (held ones included). */
  private inFlight = 0;
  private readonly sides: Side[] = [];
  /** One packet at a time: every read is copied out before the next. */
  private readonly scratch = Buffer.alloc(65536);
  private readonly loops: Registration[] = [];
  /** Called right after the receiving kernel took a packet: where a run samples what the packet changed. */
  private delivered: (p: LoggedPacket) => void = () => {};
  /** Reads the listener's accept queue around each delivery, where a run asks for it. */
  private queueProbe: (() => number) | null = null;

  private constructor(
    readonly clientNamespace: string,
    readonly serverNamespace: string,
    private readonly clientNs: number,
    private readonly serverNs: number,
    private readonly tuns: { client: number; server: number },
    private readonly rule: DelayRule,
  ) {}

  /**
   * Makes the two namespaces, their TUN devices and addresses, gives both this namespace's listen-path sysctls and
   * then `sysctls` on top, and starts forwarding.
   */
  static create(rule: DelayRule, sysctls: LineSysctls = {}): DelayLine {
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
      const [clientNs, serverNs] = [names.client, names.server].map((n) => {
        fds.push(openNamespace(`/run/netns/${n}`));
        return fds.at(-1)!;
      }) as [number, number];
      const home = homeSysctls();
      setSysctls(clientNs, { ...home, ...sysctls.client });
      setSysctls(serverNs, { ...home, ...sysctls.server });
      const tun = (ns: number, name: string, address: string) => {
        fds.push(withNamespace(ns, () => openTun("sk0")));
        ip(["-n", name, "addr", "add", `${address}/30`, "dev", "sk0"]);
        ip(["-n", name, "link", "set", "sk0", "up"]);
        return fds.at(-1)!;
      };
      const client = tun(clientNs, names.client, CLIENT_ADDRESS);
      const server = tun(serverNs, names.server, SERVER_ADDRESS);
      const line = new DelayLine(names.client, names.server, clientNs, serverNs, { client, server }, rule);
      line.forward({ from: "client", src: client, dst: server });
      line.forward({ from: "server", src: server, dst: client });
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

  /** Calls `probe` right after each packet is handed to its receiving kernel (which has processed it by then). */
  onDelivered(probe: (p: LoggedPacket) => void): void {
    this.delivered = probe;
  }

  /** Logs with each packet the accept queue `read` gives just before and just after its delivery. */
  probeQueue(read: () => number): void {
    this.queueProbe = read;
  }

  /** Hands `bytes` to the receiving kernel, with the accept queue around it when probed. */
  private write(side: Side, bytes: Buffer, logged: LoggedPacket | null): void {
    const before = logged && this.queueProbe ? this.queueProbe() : null;
    sys.write(side.dst, bytes, bytes.length);
    if (!logged) return;
    logged.deliveredAt = this.now();
    if (before !== null) logged.acceptQueue = { before, after: this.queueProbe!() };
    this.delivered(logged);
  }

  private forward(side: Side): void {
    const registration = registrationFor(side.src);
    this.loops.push(registration);
    this.sides.push(side);
    const pump = async () => {
      while (this.forwarding) {
        const n = this.readOne(side);
        if (n === -E.EAGAIN) await registration.wait(READABLE, null);
        else if (n < 0) return;
      }
    };
    void pump();
  }

  /** Reads one packet from `side` and sends it on its way (at once, after its delay, or at release()). */
  private readOne(side: Side): number {
    const n = sys.read(side.src, this.scratch, this.scratch.length);
    if (n <= 0) return n;
    const bytes = Buffer.from(this.scratch.subarray(0, n));
    const t = this.now();
    this.frames.push({ atUs: Math.round(this.epochUs + t * 1000), bytes });
    const parsed = parsePacket(bytes, side.from);
    const delayMs = parsed ? Math.max(0, this.rule(parsed)) : 0;
    const logged: LoggedPacket | null = parsed ? { ...parsed, t, delayMs, kind: packetKind(parsed) } : null;
    if (logged) this.log.push(logged);
    const deliver = () => {
      this.inFlight--;
      if (this.forwarding) this.write(side, bytes, logged);
    };
    this.inFlight++;
    if (delayMs === 0) deliver();
    else if (delayMs === HOLD) this.held.push(deliver);
    else setTimeout(deliver, delayMs);
    return n;
  }

  /** The packets logged so far, for a latch that waits on them; claims read finish()'s Capture instead. */
  packetsSoFar(): readonly LoggedPacket[] {
    return this.log;
  }

  /** The first SYN the client on `port` sent, as logged; undefined while none has crossed. */
  synFrom(port: number): LoggedPacket | undefined {
    return this.log.find((p) => p.from === "client" && p.kind === "SYN" && p.srcPort === port);
  }

  /** Lets every packet held by HOLD through, in the order they came. */
  release(): void {
    for (const deliver of this.held.splice(0)) deliver();
  }

  /** How many packets HOLD keeps on the line now. */
  heldCount(): number {
    return this.held.length;
  }

  /**
   * Resolves once the line has settled: every packet the two kernels have sent so far has been read and delivered
   * (held ones excepted), so whatever answer a packet provokes has been sent too — a TUN write hands the packet to
   * the receiving kernel before it returns. A latch, not a guess at how long packets take: on a busy machine it
   * simply resolves later. It sees only what a kernel has sent: call it after the call that sends has run (an
   * awaited connect()), not while that call may still be on its way. Gives up after `maxMs`.
   */
  async settled(maxMs = 10_000, everyMs = 2): Promise<void> {
    // What a delivery provokes is written back synchronously, so reading again at once carries it too; only packets
    // still on their timers need the clock to move.
    const moved = () => {
      while (this.readWaiting() > 0);
      return this.inFlight === this.held.length;
    };
    await pollUntil(moved, Boolean, maxMs, everyMs);
  }

  /** Forwards every packet waiting on either device now; returns how many there were. */
  private readWaiting(): number {
    let read = 0;
    for (const side of this.sides) while (this.readOne(side) > 0) read++;
    return read;
  }

  /**
   * Ends the capture: waits for the line to settle, stops forwarding (held packets are never delivered) and returns
   * every packet the line carried. What the kernels send afterwards goes nowhere; close() removes the namespaces.
   */
  async finish(): Promise<Capture> {
    await this.settled();
    this.stopForwarding();
    return { packets: this.log.map((p) => ({ ...p })), frames: this.frames.slice() };
  }

  private stopForwarding(): void {
    if (!this.forwarding) return;
    this.forwarding = false;
    this.held.length = 0;
    for (const r of this.loops) r.close();
  }

  /** Stops forwarding, closes the devices and removes both namespaces. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopForwarding();
    closeFd(this.tuns.client);
    closeFd(this.tuns.server);
    closeFd(this.clientNs);
    closeFd(this.serverNs);
    removeNamespace(this.clientNamespace);
    removeNamespace(this.serverNamespace);
  }
}
