// ForkingMixIn: each request is handled in another process, so a handler that throws, spins, blocks or exits
// harms no other request and not the server. Node cannot fork(); the processes are a pool of workers running
// the same program (the main module runs again, as in node:cluster), and the parent hands each accepted
// connection to an idle worker over a Unix socket with SCM_RIGHTS, or a datagram with its client's address.

import type { Address } from "../socket/address.js";
import * as C from "../socket/constants.js";
import { availableParallelism } from "node:os";
import { OSError } from "../socket/errors.js";
import type { Socket } from "../socket/socket.js";
import { receiveHello, workerLoop, type Hello } from "./workers/forking-worker.js";
import { readSetting, withSettings } from "./settings.js";
import { TCPServer, UnixStreamServer } from "./tcp-server.js";
import { UDPServer, UnixDatagramServer } from "./udp-server.js";
import { WorkerPool, type Handover } from "./workers/worker-pool.js";
import { forkingRole } from "./workers/role.js";

/** A server class ForkingMixIn can extend: TCPServer or one of its subclasses (the four socket kinds). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires a mixin's constructor to take ...any[]
export type TCPServerClass = abstract new (...args: any[]) => TCPServer;

/** Forking servers constructed in this process so far: a worker knows its server by this index. */
let constructed = 0;

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

/** What ForkingMixIn adds to a server's instances. */
export interface ForkingServer {
  maxChildren: number;
  poolSize: number | null;
  childIdleTimeout: number;
  blockOnClose: boolean;
  /** PIDs of the workers handling a request now, as Python's active_children. */
  readonly activeChildren: Set<number>;
  /** PIDs of every running worker. */
  readonly workerPids: number[];
  collectChildren(options?: { blocking?: boolean }): Promise<void>;
}

/** What ForkingMixIn adds to a server class: the instances' members and its settings as statics. */
export type ForkingServerClass<T extends TCPServerClass> = T &
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires a mixin's constructor to take ...any[]
  (abstract new (...args: any[]) => ForkingServer) & {
    maxChildren: number;
    poolSize: number | null;
    childIdleTimeout: number;
    blockOnClose: boolean;
  };

/**
 * Mixes process-based request handling into a server class, with Python's surface: `maxChildren` (40),
 * `activeChildren`, `collectChildren()`, `blockOnClose`, `processRequest()`, `serviceActions()`.
 *
 * In the parent, processRequest() hands the request to an idle worker process (starting one, below maxChildren,
 * when all are busy; waiting when maxChildren are busy) and returns. A worker handles one request at a time, as
 * a forked child does; the parent keeps its copy of a connection until the worker says it is done, so that when
 * a worker dies mid-request the parent resets that client (and reports a WorkerExitError to handleError) and
 * starts another worker. `poolSize` workers (default: the number of cores) start with serveForever() and stay;
 * workers the pool grew beyond that exit after `childIdleTimeout` seconds without work.
 *
 * In a worker, the same constructor call (the same program, the same order of construction) makes a server that
 * takes its socket from the parent instead of binding, and whose serveForever() serves handed-over requests
 * until the parent closes, then ends the process. Other forking servers the program constructs there are inert.
 */
// The return type is spelled out because a declaration file cannot describe the class expression itself: it has
// private and protected members (TS4094), and the published .d.ts needs a type it can name.
export function ForkingMixIn<T extends TCPServerClass>(Base: T): ForkingServerClass<T> {
  abstract class Forking extends Base {
    static maxChildren = 40;
    static poolSize: number | null = null;
    static childIdleTimeout = 5;
    static blockOnClose = true;
    protected static requestsRunInline = false;

    /** In a worker of this server: the parent's hello. "inert": a worker of another server. null: the parent. */
    private readonly worker: Hello | "inert" | null;
    private readonly serverIndex: number;
    private pool: WorkerPool | null = null;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires a mixin's constructor to take ...any[]
    constructor(...args: any[]) {
      const index = constructed++;
      const role = forkingRole();
      const worker = role === null ? null : role === index ? receiveHello() : "inert";
      // A worker never binds: it serves on the parent's socket, or (inert) not at all.
      if (worker !== null) args[2] = false;
      super(...args);
      this.serverIndex = index;
      this.worker = worker;
      if (worker !== null && worker !== "inert") {
        this.useSocket(worker.serverSocket);
        worker.serverSocket.setblocking(false);
      }
    }

    /** PIDs of the worker processes handling a request now (Python: children not yet collected). */
    get activeChildren(): Set<number> {
      return this.pool?.busyPids() ?? new Set();
    }

    /** PIDs of every worker process alive, busy or idle. */
    get workerPids(): number[] {
      return this.pool?.pids() ?? [];
    }

    /** In a worker process no forking server binds: it serves on its parent's socket, or not at all. */
    override bindAndActivate(): void {
      if (forkingRole() === null) super.bindAndActivate();
    }

    override async serveForever(pollInterval = 0.5): Promise<void> {
      if (this.worker === "inert") return;
      if (this.worker !== null) return workerLoop(this.workerSide(), this.worker.channel);
      this.startPool();
      return super.serveForever(pollInterval);
    }

    override async handleRequest(): Promise<void> {
      if (this.worker === "inert") return;
      if (this.worker !== null) return workerLoop(this.workerSide(), this.worker.channel);
      this.startPool();
      return super.handleRequest();
    }

    /**
     * Waits while maxChildren requests are in progress; with `blocking`, until none is. Workers report their
     * own ends, so there is nothing to reap: this is Python's collect_children() as a wait.
     */
    async collectChildren({ blocking = false } = {}): Promise<void> {
      if (this.pool === null) return;
      await this.pool.whenBusyBelow(blocking ? 1 : readSetting<number>(this, "maxChildren"));
    }

    override async serviceActions(): Promise<void> {
      await this.collectChildren();
    }

    /** Hands the request to a worker; the parent keeps its copy of a connection until the worker is done. */
    override async processRequest(request: unknown, clientAddress: Address): Promise<void> {
      const pool = this.startPool();
      if (this.socketType === C.SOCK_STREAM) {
        await pool.handOver({ request, clientAddress }, (request as Socket).fileno());
      } else {
        const [packet] = request as [Buffer, Socket];
        await pool.handOver({ request, clientAddress }, null, packet);
      }
    }

    /** Closes the server socket, waits for requests in progress when blockOnClose, and stops the workers. */
    override async serverClose(): Promise<void> {
      await super.serverClose();
      const pool = this.pool;
      if (pool === null) return;
      const block = readSetting<boolean>(this, "blockOnClose");
      if (block) await this.collectChildren({ blocking: true });
      await pool.close(block);
    }

    // --- internals -------------------------------------------------------------------------------------------------

    private startPool(): WorkerPool {
      if (this.pool !== null) return this.pool;
      const pool = new WorkerPool(this.serverIndex, {
        serverSocket: () => this.socket,
        limits: () => ({
          poolSize: readSetting<number | null>(this, "poolSize") ?? availableParallelism(),
          maxChildren: Math.max(1, readSetting<number>(this, "maxChildren")),
          idleTimeout: readSetting<number>(this, "childIdleTimeout"),
        }),
        finished: (h) => this.closeRequest(h.request),
        lost: (h, pid, how) => this.lostRequest(h, pid, how),
      });
      this.pool = pool;
      pool.fill();
      return pool;
    }

    /** A worker died holding a request: its client is reset (SO_LINGER 0, then close) and the error reported. */
    private lostRequest(h: Handover, pid: number, how: string): void {
      if (this.socketType === C.SOCK_STREAM) {
        const conn = h.request as Socket;
        try {
          conn.setsockopt(C.SOL_SOCKET, C.SO_LINGER, lingerZero());
        } catch (err) {
          if (!(err instanceof OSError)) throw err;
        }
      }
      this.closeRequest(h.request);
      this.reportError(h.request, h.clientAddress, new WorkerExitError(pid, how));
    }

    private workerSide() {
      return {
        socket: this.socket,
        socketType: this.socketType,
        runRequest: (request: unknown, clientAddress: Address) => this.completeRequest(request, clientAddress),
      };
    }
  }
  return withSettings(Forking, ["maxChildren", "poolSize", "childIdleTimeout", "blockOnClose"]);
}

/** struct linger { l_onoff = 1, l_linger = 0 }: close(2) then resets the connection instead of sending FIN. */
function lingerZero(): Buffer {
  const linger = Buffer.alloc(8);
  linger.writeInt32LE(1, 0);
  return linger;
}

/** A TCP server that handles each connection in a worker process. */
export class ForkingTCPServer extends ForkingMixIn(TCPServer) {}
export class ForkingUDPServer extends ForkingMixIn(UDPServer) {}
export class ForkingUnixStreamServer extends ForkingMixIn(UnixStreamServer) {}
export class ForkingUnixDatagramServer extends ForkingMixIn(UnixDatagramServer) {}
