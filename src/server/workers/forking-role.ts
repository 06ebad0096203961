// What a ForkingMixIn server is in this process: in an ordinary process the parent, whose pool of workers takes
// its requests; in a worker started for its forkingKey, that worker, serving what the parent hands over; in a
// worker started for another server, inert. ForkingMixIn's class body only forwards here.

import { availableParallelism } from "node:os";
import type { Address } from "../../socket/address.js";
import * as C from "../../socket/constants.js";
import { OSError } from "../../socket/errors.js";
import type { Socket } from "../../socket/socket.js";
import { readSetting } from "../settings.js";
import type { TCPServer } from "../tcp-server.js";
import { receiveHello, workerLoop } from "./forking-worker.js";
import { forkingRole } from "./role.js";
import { WorkerPool, type Handover, type WorkerExitError } from "./worker-pool.js";

/** The two steps of its server that ForkingRole runs but may not call itself (they are protected): closures over it. */
export interface ForkingSteps {
  /** completeRequest(): a handed-over request run to its end, in a worker. */
  complete: (request: unknown, clientAddress: Address) => Promise<void>;
  /** reportError(): a request lost with its worker, in the parent. */
  report: (request: unknown, clientAddress: Address, error: unknown) => void;
}

/** Keys of the forking servers whose workers run now, in this process: two at once would take each other's. */
const keysInUse = new Set<string>();
/** Whether a server of this worker process took the parent's hello: only the first one with the key may. */
let helloTaken = false;

/** One forking server's part in the process: parent (with a pool), worker, or inert. */
export class ForkingRole {
  private pool: WorkerPool | null = null;
  /** Whether a request was ever handed to a worker: Python's active_children is None until its first fork. */
  private handedOver = false;
  /** The key the pool's workers were started with. */
  private poolKey = "";
  /** The address the program asked for (not the bound one), part of the default key: the worker sees the same. */
  private readonly requested: string;

  /** True in a worker of any forking server: no forking server binds there. */
  static inWorker(): boolean {
    return forkingRole() !== null;
  }

  constructor(
    private readonly server: TCPServer<Address>,
    requestedAddress: unknown,
    private readonly steps: ForkingSteps,
  ) {
    this.requested = JSON.stringify(requestedAddress);
  }

  /**
   * The name by which the server's workers know it: its `forkingKey` setting, by default the server's class,
   * the address it was constructed with and its handler's class, as `Echo(["127.0.0.1",0], EchoHandler)`.
   */
  key(): string {
    const own = readSetting<string | null>(this.server, "forkingKey");
    return own ?? `${this.server.constructor.name}(${this.requested}, ${this.server.RequestHandlerClass.name})`;
  }

  /** PIDs of the workers handling a request now; null before the first request was handed over, as Python's. */
  activeChildren(): Set<number> | null {
    return this.handedOver ? this.pool!.busy : null;
  }

  /** PIDs of every worker process alive, busy or idle. */
  workerPids(): number[] {
    return this.pool?.pids() ?? [];
  }

  /**
   * serveForever() or handleRequest(): in the parent, `parentLoop` with the pool started; in this server's
   * worker, the worker's loop on the parent's socket (it ends the process); elsewhere it returns at once.
   */
  async serve(parentLoop: () => Promise<void>): Promise<void> {
    const role = forkingRole();
    if (role === null) {
      await this.startWorkers();
      return parentLoop();
    }
    if (role !== this.key() || helloTaken) return;
    helloTaken = true;
    const hello = receiveHello();
    this.server.useSocket(hello.serverSocket);
    hello.serverSocket.setblocking(false);
    const server = this.server;
    return workerLoop(
      { socket: server.socket, socketType: server.socketType, runRequest: this.steps.complete },
      hello.channel,
    );
  }

  /**
   * In the parent, starts the pool's warm workers (poolSize, at most maxChildren) if they are not running yet and
   * resolves once none of them is still starting; elsewhere at once. serve() waits for it before the first
   * accept, so the first connections neither wait in the pool's queue nor make it grow: a burst at start-up
   * would otherwise start a process per waiting connection, each taking as long as the first ones to start.
   */
  async startWorkers(): Promise<void> {
    if (forkingRole() === null) await this.startPool().whenStarted();
  }

  /** Hands the request to a worker; the parent keeps its copy of a connection until the worker is done. */
  async handOver(request: unknown, clientAddress: Address): Promise<void> {
    const pool = this.startPool();
    this.handedOver = true;
    if (this.server.socketType === C.SOCK_STREAM) {
      await pool.handOver({ request, clientAddress }, (request as Socket).fileno());
    } else {
      const [packet] = request as [Buffer, Socket];
      await pool.handOver({ request, clientAddress }, null, packet);
    }
  }

  /** Waits while maxChildren requests are in progress; with `blocking`, until none is (collectChildren). */
  async collect(blocking: boolean): Promise<void> {
    await this.pool?.whenBusyBelow(blocking ? 1 : readSetting<number>(this.server, "maxChildren"));
  }

  /** After the server socket closed: waits for requests in progress when blockOnClose, and stops the workers. */
  async close(): Promise<void> {
    const pool = this.pool;
    if (pool === null) return;
    const block = readSetting<boolean>(this.server, "blockOnClose");
    if (block) await this.collect(true);
    await pool.close(block);
    keysInUse.delete(this.poolKey);
  }

  private startPool(): WorkerPool {
    if (this.pool !== null) return this.pool;
    const key = this.key();
    if (keysInUse.has(key)) {
      throw new Error(
        `another forking server in this process already has the key ${key}: give each its own forkingKey`,
      );
    }
    keysInUse.add(key);
    this.poolKey = key;
    const server = this.server;
    const pool = new WorkerPool(key, {
      serverSocket: () => server.socket,
      limits: () => ({
        poolSize: readSetting<number | null>(server, "poolSize") ?? availableParallelism(),
        maxChildren: Math.max(1, readSetting<number>(server, "maxChildren")),
        idleTimeout: readSetting<number>(server, "childIdleTimeout"),
      }),
      finished: (h) => server.closeRequest(h.request),
      lost: (h, error) => this.lostRequest(h, error),
    });
    this.pool = pool;
    pool.fill();
    return pool;
  }

  /** A worker died holding a request: its client is reset (SO_LINGER 0, then close) and the error reported. */
  private lostRequest(h: Handover, error: WorkerExitError): void {
    if (this.server.socketType === C.SOCK_STREAM) {
      try {
        (h.request as Socket).setsockopt(C.SOL_SOCKET, C.SO_LINGER, lingerZero());
      } catch (err) {
        if (!(err instanceof OSError)) throw err;
      }
    }
    this.server.closeRequest(h.request);
    this.steps.report(h.request, h.clientAddress, error);
  }
}

/** struct linger { l_onoff = 1, l_linger = 0 }: close(2) then resets the connection instead of sending FIN. */
function lingerZero(): Buffer {
  const linger = Buffer.alloc(8);
  linger.writeInt32LE(1, 0);
  return linger;
}
