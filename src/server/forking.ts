// ForkingMixIn: each request is handled in another process, so a handler that throws, spins, blocks or exits
// harms no other request and not the server. Node cannot fork(); the processes are a pool of workers running
// the same program (the main module runs again, as in node:cluster), and the parent hands each accepted
// connection to an idle worker over a Unix socket with SCM_RIGHTS, or a datagram with its client's address.
// The machinery is in workers/; the class body here only forwards to it.

import type { Address } from "../socket/address.js";
import type { WaitOptions } from "../socket/abort.js";
import { withSettings } from "./settings.js";
import { TCPServer, UnixStreamServer } from "./tcp-server.js";
import { UDPServer, UnixDatagramServer } from "./udp-server.js";
import { ForkingRole } from "./workers/forking-role.js";

export { WorkerExitError } from "./workers/worker-pool.js";

/** A server class ForkingMixIn can extend: TCPServer or one of its subclasses (the four socket kinds). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires a mixin's constructor to take ...any[]
export type TCPServerClass = abstract new (...args: any[]) => TCPServer<Address>;

/** A mix-in constructor's parameters, which TypeScript requires to be `...any[]`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires a mixin's constructor to take ...any[]
type MixinArguments = any[];

/** What ForkingMixIn adds to a server's instances. */
export interface ForkingServer {
  maxChildren: number;
  poolSize: number | null;
  childIdleTimeout: number;
  blockOnClose: boolean;
  /** The name by which the server's workers find it; null (default) derives one (see ForkingMixIn). */
  forkingKey: string | null;
  /**
   * PIDs of the workers handling a request now, as Python's active_children: null until the first request was
   * handed to a worker (Python's is None until the first fork), then a live set.
   */
  readonly activeChildren: Set<number> | null;
  /** PIDs of every running worker. */
  readonly workerPids: number[];
  collectChildren(options?: { blocking?: boolean }): Promise<void>;
  /**
   * Starts the warm pool (`poolSize` workers, at most `maxChildren`) now and resolves once every one of them is
   * ready for requests (or died starting). serveForever() does it before its first accept; a program that
   * announces it is ready (prints its address, notifies systemd) awaits it first, so that its first clients
   * do not wait for workers to start. In a worker process it resolves at once.
   */
  startWorkers(): Promise<void>;
}

/** What ForkingMixIn adds to a server class: the instances' members and its settings as statics. */
export type ForkingServerClass<T extends TCPServerClass> = T &
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires a mixin's constructor to take ...any[]
  (abstract new (...args: any[]) => ForkingServer) & {
    maxChildren: number;
    poolSize: number | null;
    childIdleTimeout: number;
    blockOnClose: boolean;
    forkingKey: string | null;
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
 * A worker runs the same program, so it constructs the same servers; none of them binds there (bindAndActivate()
 * does nothing, the constructor's included). The one whose `forkingKey` is the key its parent started the worker
 * with takes the parent's socket when its serveForever() (or handleRequest()) is called, serves handed-over
 * requests until the parent closes, then ends the process; the others' serveForever() returns at once. By
 * default the key is the server's class name, the address it was constructed with and its handler's class name,
 * as `EchoServer(["127.0.0.1",0], EchoHandler)`: set `forkingKey` (a static, or on the instance before
 * serveForever()) when one program runs two forking servers of the same class, address and handler. Two
 * serving at once with one key is refused (an Error from serveForever()).
 */
// The return type is spelled out because a declaration file cannot describe the class expression itself: it has
// private and protected members (TS4094), and the published .d.ts needs a type it can name.
export function ForkingMixIn<T extends TCPServerClass>(Base: T): ForkingServerClass<T> {
  abstract class Forking extends withForkingDefaults(Base) {
    private readonly forking: ForkingRole;

    constructor(...args: MixinArguments) {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- a mix-in hands its ...any[] on unchanged
      super(...args);
      this.forking = new ForkingRole(this, args[0], {
        complete: (request, address) => this.completeRequest(request, address),
        report: (request, address, error) => this.reportError(request, address, error),
      });
    }
    get activeChildren(): Set<number> | null {
      return this.forking.activeChildren();
    }
    get workerPids(): number[] {
      return this.forking.workerPids();
    }
    override bindAndActivate(): void {
      if (!ForkingRole.inWorker()) super.bindAndActivate();
    }
    override serveForever(pollInterval?: number | WaitOptions, options?: WaitOptions): Promise<void> {
      return this.forking.serve(() => super.serveForever(pollInterval, options));
    }
    override handleRequest(): Promise<void> {
      return this.forking.serve(() => super.handleRequest());
    }
    startWorkers(): Promise<void> {
      return this.forking.startWorkers();
    }
    collectChildren({ blocking = false } = {}): Promise<void> {
      return this.forking.collect(blocking);
    }
    override serviceActions(): Promise<void> {
      return this.collectChildren();
    }
    override processRequest(request: unknown, clientAddress: Address): Promise<void> {
      return this.forking.handOver(request, clientAddress);
    }
    override async serverClose(): Promise<void> {
      await super.serverClose();
      await this.forking.close();
    }
  }
  return withSettings(Forking, ["maxChildren", "poolSize", "childIdleTimeout", "blockOnClose", "forkingKey"]);
}

/** ForkingMixIn's class attributes with their defaults, Python's where Python has them. */
function withForkingDefaults<T extends TCPServerClass>(Base: T) {
  abstract class ForkingDefaults extends Base {
    /** Python's ForkingMixIn.timeout: handleRequest() waits at most 300 s for a request (TCPServer's: null). */
    static timeout: number | null = 300;
    static maxChildren = 40;
    static poolSize: number | null = null;
    static childIdleTimeout = 5;
    static blockOnClose = true;
    static forkingKey: string | null = null;
    protected static requestsRunInline = false;
  }
  return ForkingDefaults;
}

/** A TCP server that handles each connection in a worker process. */
export class ForkingTCPServer extends ForkingMixIn(TCPServer) {}
export class ForkingUDPServer extends ForkingMixIn(UDPServer) {}
export class ForkingUnixStreamServer extends ForkingMixIn(UnixStreamServer) {}
export class ForkingUnixDatagramServer extends ForkingMixIn(UnixDatagramServer) {}
