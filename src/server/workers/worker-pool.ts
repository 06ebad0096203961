// The parent's side of ForkingMixIn: a pool of worker processes, each handling one request at a time. It starts
// them, hands each request to an idle one over its control socket, learns when the request is done, notices a
// worker that dies and starts another, and retires workers the pool grew for once they have been idle a while.

import type { ChildProcess } from "node:child_process";
import * as C from "../../socket/constants.js";
import { socketpair } from "../../socket/functions.js";
import { sendFds } from "../../socket/messages.js";
import type { Socket } from "../../socket/socket.js";
import type { Address } from "../../socket/address.js";
import { decodeMessage, encodeMessage, MAX_MESSAGE, startWorker } from "./worker-process.js";

/** A request the parent handed to a worker and still answers for. */
export interface Handover {
  request: unknown;
  clientAddress: Address;
}

/** What the pool needs from its server. */
export interface PoolOwner {
  /** The server's socket, handed to every worker once (a UDP worker answers on it). */
  serverSocket(): Socket;
  /** How many workers to keep, how many at most, how long (seconds) an extra one may idle. */
  limits(): { poolSize: number; maxChildren: number; idleTimeout: number };
  /** The worker finished the request: the parent lets go of its copy. */
  finished(handover: Handover): void;
  /** The worker died before finishing it. */
  lost(handover: Handover, error: WorkerExitError): void;
}

/** The error handleError() receives when a worker dies before finishing a request. */
export class WorkerExitError extends Error {
  constructor(
    readonly pid: number,
    how: string,
  ) {
    super(`worker process ${pid} ${how} before finishing the request`);
    this.name = "WorkerExitError";
  }
}

interface Worker {
  process: ChildProcess;
  pid: number;
  channel: Socket;
  ready: boolean;
  current: (Handover & { id: number }) | null;
  idleTimer: NodeJS.Timeout | null;
  exited: Promise<void>;
}

/**
 * How long a request waits for a busy worker to finish before the pool starts another: a worker takes hundreds
 * of milliseconds to start, while a finishing worker's "done" is usually a moment away.
 */
const GROW_DELAY_MS = 25;

/** A worker that dies before it ever said ready is not restarted sooner than this, so a broken program cannot spin. */
const RESTART_DELAY_MS = 1000;

export class WorkerPool {
  private readonly workers = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<(w: Worker) => void> = [];
  private readonly changed = new Set<() => void>();
  private nextId = 1;
  private closed = false;
  private starting = 0;
  /** PIDs of the workers handling a request now: a live set, as Python's active_children. */
  readonly busy = new Set<number>();

  /** `key` names the server to its workers (ForkingMixIn's forkingKey). */
  constructor(
    private readonly key: string,
    private readonly owner: PoolOwner,
  ) {}

  /** PIDs of every worker process alive. */
  pids(): number[] {
    return [...this.workers].map((w) => w.pid);
  }

  /** Starts workers until the pool has its configured size. */
  fill(): void {
    const { poolSize, maxChildren } = this.owner.limits();
    while (!this.closed && this.workers.size < Math.min(poolSize, maxChildren)) this.spawn();
  }

  /**
   * Hands a request to an idle worker, waiting for one (and starting one, below maxChildren) when all are busy.
   * `fd` travels with SCM_RIGHTS; `payload` (a datagram) inside the message.
   */
  async handOver(handover: Handover, fd: number | null, payload?: Buffer): Promise<void> {
    for (;;) {
      const w = await this.acquire();
      const id = this.nextId++;
      const message = encodeMessage({ t: "request", id, address: handover.clientAddress }, payload);
      this.assign(w, { ...handover, id });
      try {
        if (fd === null) await w.channel.send(message);
        else await sendFds(w.channel, [message], [fd]);
        return;
      } catch {
        // The worker died between being chosen and being sent the request: its exit is handled on its own;
        // the request goes to another.
        this.assign(w, null);
      }
    }
  }

  /**
   * Resolves once no worker is starting: every worker fill() started said "ready" or died (a worker that dies
   * starting up is restarted only after RESTART_DELAY_MS, so a broken program does not keep this waiting).
   */
  async whenStarted(): Promise<void> {
    while (this.starting > 0 && !this.closed) await new Promise<void>((resolve) => this.changed.add(resolve));
  }

  /** Resolves once fewer than `below` requests are in progress. */
  async whenBusyBelow(below: number): Promise<void> {
    while (this.busy.size >= below && this.workers.size > 0) {
      await new Promise<void>((resolve) => this.changed.add(resolve));
    }
  }

  /**
   * Stops every worker (each finishes its request first) and resolves when all have exited, if `wait`. Without
   * waiting, the parent lets go of its copies of the requests still in progress: the workers own them now.
   */
  async close(wait: boolean): Promise<void> {
    this.closed = true;
    const exits = [...this.workers].map((w) => w.exited);
    for (const w of this.workers) {
      if (!wait && w.current !== null) this.owner.finished(w.current);
      // A worker never keeps its parent running (startWorker unrefs it), but a parent awaiting its workers'
      // exits must stay up until they come, or an `await serverClose()` at top level ends the program (code 13).
      if (wait) w.process.ref();
      this.retire(w);
    }
    for (const resolve of this.waiting.splice(0)) resolve(null as never);
    this.notify(); // a whenStarted() ends with the pool
    if (wait) await Promise.all(exits);
  }

  // --- internals -------------------------------------------------------------------------------------------------

  private acquire(): Promise<Worker> {
    if (this.closed) return Promise.reject(new Error("the server is closed"));
    const w = this.idle.pop();
    if (w !== undefined) {
      if (w.idleTimer) clearTimeout(w.idleTimer);
      w.idleTimer = null;
      return Promise.resolve(w);
    }
    // All busy: a worker that finishes within GROW_DELAY_MS takes the request; only then does the pool grow.
    setTimeout(() => this.grow(), GROW_DELAY_MS).unref();
    return new Promise((resolve, reject) =>
      this.waiting.push((w) => (w === null ? reject(new Error("the server is closed")) : resolve(w))),
    );
  }

  /** Starts workers for the requests waiting that the workers already starting cannot cover, up to maxChildren. */
  private grow(): void {
    const { maxChildren } = this.owner.limits();
    while (!this.closed && this.workers.size < maxChildren && this.starting < this.waiting.length) this.spawn();
  }

  private spawn(): void {
    const [mine, theirs] = socketpair(C.AF_UNIX, C.SOCK_SEQPACKET);
    try {
      // The hello is queued before the worker starts, so its constructor can read it without waiting.
      const server = this.owner.serverSocket();
      const hello = encodeMessage({ t: "hello", address: server.getsockname() });
      void sendFds(mine, [hello], [server.fileno()]);
      const child = startWorker(`forking:${this.key}`, theirs.fileno());
      const w: Worker = {
        process: child,
        pid: child.pid ?? -1,
        channel: mine,
        ready: false,
        current: null,
        idleTimer: null,
        exited: null!,
      };
      w.exited = new Promise((resolve) => {
        let gone = false;
        const ended = (code: number | null, signal: NodeJS.Signals | null) => {
          if (gone) return;
          gone = true;
          this.onExit(w, code, signal);
          resolve();
        };
        child.once("exit", ended);
        // A process that could not be started at all (EAGAIN, ENOMEM) reports an error and no exit.
        child.once("error", () => (child.pid === undefined ? ended(null, null) : undefined));
      });
      this.workers.add(w);
      this.starting++;
      void this.listen(w);
    } finally {
      theirs.close();
    }
  }

  /** Reads a worker's messages: "ready" once, then "done" after each request. */
  private async listen(w: Worker): Promise<void> {
    try {
      for (;;) {
        const data = await w.channel.recv(MAX_MESSAGE);
        if (data.length === 0) return;
        const { header } = decodeMessage<{ t: string; id?: number }>(data);
        if (header.t === "ready") {
          w.ready = true;
          this.starting--;
          this.release(w);
        } else if (header.t === "done" && w.current !== null && w.current.id === header.id) {
          const done = w.current;
          this.assign(w, null);
          this.owner.finished(done);
          this.release(w);
        }
      }
    } catch {
      // The channel was closed by close() or the worker vanished; its exit event does the rest.
    }
  }

  /** A worker is free: the oldest waiting request gets it, or it idles. */
  private release(w: Worker): void {
    this.notify();
    if (this.closed) return this.retire(w);
    const next = this.waiting.shift();
    if (next !== undefined) return next(w);
    const { poolSize, idleTimeout } = this.owner.limits();
    this.idle.push(w);
    if (this.workers.size > poolSize) {
      w.idleTimer = setTimeout(() => this.retire(w), idleTimeout * 1000);
      w.idleTimer.unref();
    }
  }

  /** Closes a worker's channel: it ends after its current request, seeing end of file. */
  private retire(w: Worker): void {
    if (w.idleTimer) clearTimeout(w.idleTimer);
    const at = this.idle.indexOf(w);
    if (at >= 0) this.idle.splice(at, 1);
    w.channel.close();
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(w);
    this.retire(w);
    if (!w.ready) this.starting--;
    // After close(), a busy worker's request was the worker's alone; its end is no news.
    if (w.current !== null && !this.closed) {
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      this.owner.lost(w.current, new WorkerExitError(w.pid, how));
    }
    this.assign(w, null);
    this.notify();
    if (this.closed) return;
    // A dead worker is replaced: at once if it had served, after a pause if it died starting up.
    const refill = () => {
      this.fill();
      this.grow();
    };
    if (w.ready) refill();
    else setTimeout(refill, RESTART_DELAY_MS).unref();
  }

  /** Gives a worker its request (or none), keeping `busy` in step. */
  private assign(w: Worker, handover: (Handover & { id: number }) | null): void {
    w.current = handover;
    if (handover === null) this.busy.delete(w.pid);
    else this.busy.add(w.pid);
  }

  private notify(): void {
    const waiters = [...this.changed];
    this.changed.clear();
    for (const resolve of waiters) resolve();
  }
}
