// Where an experiment runs: over a delay line between two private namespaces (root), where every packet is logged and
// the student's sysctls apply, or on this namespace's loopback, where no packet can be seen. Either way the run asks
// the same things of it: a clock, each side's namespace, the server's counters and settings, and the capture.

import { CounterFile } from "../kernel/counter-file.js";
import { readCounters, type Counters } from "../kernel/counters.js";
import { readListenSysctls } from "../kernel/sysctl.js";
import { isRoot } from "../libc/platform.js";
import type { Capture } from "./capture.js";
import type { Cleanup } from "./cleanup.js";
import { startClock } from "./clock.js";
import { DelayLine, SERVER_ADDRESS, type DelayRule, type LineSysctls } from "./delay-line.js";
import type { RunHooks } from "./experiment.js";
import { localKernel, modelSettings, type ModelEnvironment } from "./model-environment.js";
import type { LoggedPacket } from "./packet.js";
import { requireRoot } from "./result.js";

/** How to set a place up: over a line (with its delay rule and sysctls), or on loopback. */
export interface PlaceOptions {
  /** A delay line (needs root); loopback otherwise. Default: a line when root. */
  line?: boolean;
  /** How long the line holds each packet; every packet crosses at once by default. */
  rule?: DelayRule;
  sysctls?: LineSysctls;
}

/** An experiment's place: the delay line when there is one, and what a run reads through it. */
export class Place {
  /** Where listeners bind: the server's address on the line, or 127.0.0.1. */
  readonly host: string;
  /** ms on the case's clock: the line's when there is one, so packets and samples share it. */
  readonly now: () => number;
  /** The server namespace's TcpExt counters, kept open for samplers. */
  private readonly netstat: CounterFile;

  private constructor(
    readonly line: DelayLine | null,
    cleanup: Cleanup,
  ) {
    this.host = line ? SERVER_ADDRESS : "127.0.0.1";
    this.now = line ? line.now : startClock(1);
    this.netstat = cleanup.add(this.inServer(() => new CounterFile()));
  }

  /**
   * Sets the place up, closed with the run. Sysctls need namespaces of the experiment's own.
   * @throws MissingPrivilegeError when sysctls are asked for, or a line, without root.
   */
  static open(cleanup: Cleanup, o: PlaceOptions = {}): Place {
    const sets = Object.keys({ ...o.sysctls?.server, ...o.sysctls?.client });
    if (sets.length > 0) requireRoot(`private network namespaces to set ${sets.join(", ")} in`);
    const line = o.line ?? isRoot();
    return new Place(line ? cleanup.add(DelayLine.create(o.rule ?? (() => 0), o.sysctls)) : null, cleanup);
  }

  /** Runs `fn` (synchronous) in the server's namespace. */
  inServer<T>(fn: () => T): T {
    return this.line ? this.line.inServer(fn) : fn();
  }

  /** Runs `fn` (synchronous) in the client's namespace. */
  inClient<T>(fn: () => T): T {
    return this.line ? this.line.inClient(fn) : fn();
  }

  /** Waits until the line has carried what the kernels sent so far (loopback: at once, the kernel already did). */
  async settled(): Promise<void> {
    await this.line?.settled();
  }

  /** Calls `probe` after each packet is delivered (nothing on loopback, where no packet is seen). */
  onDelivered(probe: (p: LoggedPacket) => void): void {
    this.line?.onDelivered(probe);
  }

  /** Logs with each packet the accept queue `read` gives around its delivery (nothing on loopback). */
  probeQueue(read: () => number): void {
    this.line?.probeQueue(read);
  }

  /** The server namespace's counters now (snmp's Tcp and netstat's TcpExt). */
  counters(): Counters {
    return this.inServer(() => readCounters());
  }

  /** The server namespace's TcpExt counter `name` now, cheaply enough to sample at every packet. */
  tcpExt(name: string): number {
    return this.netstat.read()[`TcpExt.${name}`] ?? 0;
  }

  /** The settings the model takes from this place: the server's listen path, the client's SYN timers, the kernel. */
  settings(): ModelEnvironment {
    const server = modelSettings(this.inServer(() => readListenSysctls()));
    const client = modelSettings(this.inClient(() => readListenSysctls()));
    const synTimers = { tcpSynRetries: client.tcpSynRetries, tcpSynLinearTimeouts: client.tcpSynLinearTimeouts };
    return { ...server, ...synTimers, ...localKernel() };
  }

  /** Ends the capture (null on loopback) and hands its packets to `hooks.capture`. */
  async finish(hooks: RunHooks): Promise<Capture | null> {
    if (!this.line) return null;
    const capture = await this.line.finish();
    hooks.capture?.(capture.frames);
    return capture;
  }
}
