// WorkerGroup: N processes serving one port, for `socketkit serve --workers N`. The primary binds and listens
// once; each worker runs the same program again (as node:cluster does), puts its server on the group's port
// with joinWorkerGroup() instead of binding on its own, then accepts on its own. The primary only supervises: a
// worker that dies is restarted, and a SIGINT or SIGTERM becomes one graceful stop of every worker.
//
// Sharing mode "reuseport" (the default) gives each worker its own socket on the port (SO_REUSEPORT), the kernel
// spreading connections by a hash of their addresses; "inherit" passes the one listening socket to every worker,
// so all accept from one queue. bench/workers.ts measures both; docs/architecture.md says why "reuseport" won.

import type { ChildProcess } from "node:child_process";
import type { Socket as NetSocket } from "node:net";
import type { TCPServer } from "../server/tcp-server.js";
import { groupRole, type ShareMode } from "../server/workers/role.js";
import { CONTROL_FD, LIFELINE_FD, startWorker, watchParent } from "../server/workers/worker-process.js";
import * as C from "../socket/constants.js";
import { Socket } from "../socket/socket.js";
import { deadlineFor, hasPassed, type Deadline } from "../socket/timeout.js";

export type { ShareMode };

/**
 * The tag a group worker puts before its log lines ("[worker 2] "), or "" outside a group.
 * @example log(`${workerTag()}Client connected`)
 */
export function workerTag(): string {
  const role = groupRole();
  return role === null ? "" : `[worker ${role.number}] `;
}

/** True in a WorkerGroup's worker; false in the primary and outside a group. */
export function isGroupWorker(): boolean {
  return groupRole() !== null;
}

let joined = false;
/** This group worker's lifeline to its primary, once it joined: how it answers reports() (reportToPrimary()). */
let lifeline: NetSocket | null = null;
/** The byte a primary sends on a worker's lifeline to ask for its report; the answer is one JSON line. */
const QUESTION = 0x3f;

/**
 * Puts `server` (constructed with `bindAndActivate = false`) on this group worker's share of the port, and
 * returns true: it adopts the primary's listening socket (`share: "inherit"`) or binds beside its siblings with
 * SO_REUSEPORT on the primary's port (`"reuseport"`, the default). From then on the worker stops as on SIGTERM
 * when its primary is gone, a SIGKILL included. Outside a group it does nothing and returns false, so that the
 * caller binds as usual. A program's servers join only by calling this: constructing one never does.
 * @throws Error when a server of this worker already joined: a worker serves the group's port once.
 * @example
 * const server = new ThreadingTCPServer(["localhost", 8000], Handler, false);
 * if (!joinWorkerGroup(server)) server.bindAndActivate();
 */
export function joinWorkerGroup(server: TCPServer): boolean {
  const role = groupRole();
  if (role === null) return false;
  if (joined) throw new Error("a server of this worker already joined its group");
  joined = true;
  // A worker whose primary is gone must not serve on alone.
  lifeline = watchParent(() => process.kill(process.pid, "SIGTERM"));
  if (role.share === "reuseport") {
    server.allowReusePort = true;
    server.serverAddress = [server.serverAddress[0], role.port];
    server.bindAndActivate();
    return true;
  }
  const listener = new Socket(undefined, undefined, undefined, CONTROL_FD);
  // Made sure of, not assumed from how the worker was started: a handler's child process holding the listener
  // would keep the port open after the server is gone.
  listener.setInheritable(false);
  server.useSocket(listener);
  return true;
}

/**
 * Answers the primary's WorkerGroup.reports() with `report()` (anything JSON can carry), read when asked. In a
 * worker that joined its group; elsewhere it does nothing and returns false.
 * @example reportToPrimary(() => server.connectionStats)
 */
export function reportToPrimary(report: () => unknown): boolean {
  const pipe = lifeline;
  if (pipe === null) return false;
  pipe.on("data", (chunk: Buffer) => {
    for (const byte of chunk) if (byte === QUESTION) pipe.write(`${JSON.stringify(report())}\n`);
  });
  return true;
}

/** One worker's answer to WorkerGroup.reports(). */
export interface WorkerReport {
  /** The worker's number, 1 to N: a restarted worker keeps its number. */
  number: number;
  pid: number;
  report: unknown;
}

export interface WorkerGroupOptions {
  /** How many worker processes. */
  workers: number;
  /** Where the primary's own lines go (worker exits and restarts, the stop). */
  log: (line: string) => void;
  share?: ShareMode;
}

interface Member {
  number: number;
  child: ChildProcess;
  /** Until when a death counts as dying while starting up (RESTART_PAUSE_MS after the start). */
  startingUntil: Deadline;
  /** reports() waiting for this worker's next answer: any answer is its state now, so it settles them all. */
  asking: Array<(line: string | null) => void>;
}

/** A worker's answer line as its report, or null when it is not JSON. */
function parseReport(m: Member, line: string): WorkerReport | null {
  try {
    return { number: m.number, pid: m.child.pid!, report: JSON.parse(line) as unknown };
  } catch {
    return null;
  }
}

/** A worker that dies sooner than this after starting is restarted after the same pause, so a crash cannot spin. */
const RESTART_PAUSE_MS = 1000;

/**
 * Runs `workers` copies of the program on `listener` (bound and listening) and supervises them until stop().
 * @example
 * const group = new WorkerGroup(server.socket, { workers: 4, log: console.log });
 * group.start();
 * process.on("SIGTERM", () => group.stop("SIGTERM"));
 * process.exitCode = await group.done;
 */
export class WorkerGroup {
  private readonly members = new Map<number, Member>();
  private stopping = false;
  private stopSignal: NodeJS.Signals = "SIGTERM";
  private holder: Socket | null = null;
  private finish!: (code: number) => void;
  /** Resolves with the exit code once stop() has stopped every worker: 0 when each ended with 0. */
  readonly done = new Promise<number>((resolve) => (this.finish = resolve));
  /** Workers that did not end with exit code 0 when told to stop. */
  private failures = 0;

  constructor(
    private readonly listener: Socket,
    private readonly options: WorkerGroupOptions,
  ) {}

  get pids(): number[] {
    return [...this.members.values()].map((m) => m.child.pid!);
  }

  start(): void {
    if ((this.options.share ?? "reuseport") === "reuseport") this.holdPort();
    for (let n = 1; n <= this.options.workers; n++) this.spawn(n);
  }

  /** Sends every worker `signal` (they stop gracefully) and restarts none; `done` resolves when all have exited. */
  stop(signal: NodeJS.Signals = "SIGTERM"): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopSignal = signal;
    for (const m of this.members.values()) m.child.kill(signal);
    this.settle();
  }

  /**
   * Each running worker's report (its reportToPrimary()), asked now; a worker that does not answer within
   * `timeoutMs` (starting, stuck, or not reporting) is left out.
   */
  async reports(timeoutMs: number): Promise<WorkerReport[]> {
    const answers = await Promise.all([...this.members.values()].map((m) => this.ask(m, timeoutMs)));
    return answers.filter((a): a is WorkerReport => a !== null);
  }

  private ask(m: Member, timeoutMs: number): Promise<WorkerReport | null> {
    const pipe = m.child.stdio[LIFELINE_FD] as NetSocket | null | undefined;
    if (!pipe || pipe.destroyed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const answer = (line: string | null) => {
        clearTimeout(timer);
        m.asking = m.asking.filter((a) => a !== answer);
        resolve(line === null ? null : parseReport(m, line));
      };
      const timer = setTimeout(() => answer(null), timeoutMs);
      m.asking.push(answer);
      pipe.write(Buffer.from([QUESTION]));
    });
  }

  // --- internals -------------------------------------------------------------------------------------------------

  /**
   * In "reuseport" mode the primary keeps the port (bound with SO_REUSEPORT, never listening, so the kernel
   * sends it no connections) and closes its listener, so that only the workers' sockets take connections.
   */
  private holdPort(): void {
    const address = this.listener.getsockname();
    this.listener.close();
    this.holder = new Socket(this.listener.family, C.SOCK_STREAM);
    this.holder.setsockopt(C.SOL_SOCKET, C.SO_REUSEADDR, 1);
    this.holder.setsockopt(C.SOL_SOCKET, C.SO_REUSEPORT, 1);
    this.holder.bind(address);
  }

  private spawn(n: number): void {
    const share = this.options.share ?? "reuseport";
    const roleValue =
      share === "reuseport"
        ? `group:${n}:reuseport:${(this.holder!.getsockname() as [string, number])[1]}`
        : `group:${n}`;
    const child = startWorker(roleValue, share === "reuseport" ? this.holder!.fileno() : this.listener.fileno(), true);
    // The primary waits for its workers: they keep it running.
    child.ref();
    const member: Member = { number: n, child, startingUntil: deadlineFor(RESTART_PAUSE_MS / 1000), asking: [] };
    this.members.set(n, member);
    this.listenForAnswers(member);
    child.once("exit", (code, signal) => this.exited(member, code, signal));
    // A process that could not be started at all reports an error and no exit: it is retried like a crash.
    child.once("error", () => (child.pid === undefined ? this.exited(member, null, null) : undefined));
  }

  /** Reads the answers on a worker's lifeline (the primary's end, its stdio[4]), one JSON line each. */
  private listenForAnswers(m: Member): void {
    const pipe = m.child.stdio[LIFELINE_FD] as NetSocket | null | undefined;
    if (!pipe) return;
    let partial = "";
    const settle = (line: string | null) => m.asking.splice(0).forEach((answer) => answer(line));
    pipe.setEncoding("utf8");
    pipe.on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      if (lines.length > 0) settle(lines.at(-1)!);
    });
    pipe.on("close", () => settle(null));
    // A worker that died mid-answer: its report is simply missing.
    pipe.on("error", () => {});
    pipe.unref();
  }

  private exited(m: Member, code: number | null, signal: NodeJS.Signals | null): void {
    this.members.delete(m.number);
    if (this.stopping) {
      // A worker still starting when the stop came dies of the signal itself, with nothing to finish: not a failure.
      if (code !== 0 && signal !== this.stopSignal) this.failures++;
      return this.settle();
    }
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    const quick = !hasPassed(m.startingUntil);
    this.options.log(`[worker ${m.number}] pid ${m.child.pid} ${how}; starting another${quick ? " in 1 s" : ""}`);
    const restart = () => {
      if (!this.stopping) this.spawn(m.number);
    };
    if (quick) setTimeout(restart, RESTART_PAUSE_MS);
    else restart();
  }

  private settle(): void {
    if (this.members.size > 0) return;
    this.holder?.close();
    this.listener.close();
    this.finish(this.failures === 0 ? 0 : 1);
  }
}

/**
 * The primary of `serve --workers`: starts the group on `listener`, turns the first SIGINT or SIGTERM into one
 * graceful stop of every worker, and resolves with the exit code once all have exited.
 */
export async function runWorkerGroup(
  listener: Socket,
  options: WorkerGroupOptions & {
    stopping: (signal: string) => string;
    stopped: string;
    /** Called with the group once its workers are starting (to ask them for reports()). */
    started?: (group: WorkerGroup) => void;
  },
): Promise<number> {
  const group = new WorkerGroup(listener, options);
  group.start();
  options.started?.(group);
  const onSignal = (signal: NodeJS.Signals) => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    options.log(options.stopping(signal));
    group.stop("SIGTERM");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const code = await group.done;
  options.log(options.stopped);
  return code;
}
