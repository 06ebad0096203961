// ThreadingMixIn: each request runs as its own concurrent task, so a slow handler never delays the others or the
// accept loop. The ready-made Threading*Server classes are one-liners on top of it.

import type { Address } from "../socket/address.js";
import type { BaseServer } from "./base-server.js";
import { RequestTasks } from "./request-tasks.js";
import { readSetting, withSettings } from "./settings.js";
import { TCPServer, UnixStreamServer } from "./tcp-server.js";
import { UDPServer, UnixDatagramServer } from "./udp-server.js";

/** Any server class ThreadingMixIn can extend. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires a mixin's constructor to take ...any[]
export type ServerClass = abstract new (...args: any[]) => BaseServer;

/** What ThreadingMixIn adds to a server's instances. */
export interface ThreadingServer {
  /** Requests still running, awaited by serverClose() when blockOnClose. */
  readonly threads: Set<Promise<void>>;
  /** When true, serverClose() does not wait for running requests. */
  daemonThreads: boolean;
  /** When true (default), serverClose() waits for running requests unless daemonThreads. */
  blockOnClose: boolean;
  /** One request's task: finishRequest, errors to handleError, then shutdownRequest. */
  processRequestThread(request: unknown, clientAddress: Address): Promise<void>;
}

/** What ThreadingMixIn adds to a server class: the instances' members, and its two settings as statics. */
export type ThreadingServerClass<T extends ServerClass> = T &
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires a mixin's constructor to take ...any[]
  (abstract new (...args: any[]) => ThreadingServer) & { daemonThreads: boolean; blockOnClose: boolean };

/**
 * Mixes per-request tasks into a server class: processRequest() starts the request and returns at once.
 * With `blockOnClose` (default), serverClose() waits for running requests unless `daemonThreads` is set.
 */
// The return type is spelled out because a declaration file cannot describe the class expression itself: it has
// private and protected members (TS4094), and the published .d.ts needs a type it can name.
export function ThreadingMixIn<T extends ServerClass>(Base: T): ThreadingServerClass<T> {
  abstract class Threading extends Base {
    static daemonThreads = false;
    static blockOnClose = true;
    protected static requestsRunInline = false;
    private readonly tasks = new RequestTasks();
    /** Requests still running, awaited by serverClose() when blockOnClose. */
    readonly threads = this.tasks.running;

    override processRequest(request: unknown, clientAddress: Address): Promise<void> {
      const track = readSetting<boolean>(this, "blockOnClose") && !readSetting<boolean>(this, "daemonThreads");
      this.tasks.start(() => this.processRequestThread(request, clientAddress), track);
      return Promise.resolve();
    }

    /** One request's task: finishRequest, errors to handleError, then shutdownRequest, as Python's thread does. */
    processRequestThread(request: unknown, clientAddress: Address): Promise<void> {
      return this.completeRequest(request, clientAddress);
    }

    override async serverClose(): Promise<void> {
      await super.serverClose();
      if (readSetting<boolean>(this, "blockOnClose")) await Promise.allSettled([...this.threads]);
    }
  }
  return withSettings(Threading, ["daemonThreads", "blockOnClose"]);
}

/**
 * A TCP server that serves each connection as its own task.
 * @example
 * const server = new ThreadingTCPServer(["localhost", 12345], EchoHandler);
 * await server.serveForever();
 */
export class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {}
export class ThreadingUDPServer extends ThreadingMixIn(UDPServer) {}
export class ThreadingUnixStreamServer extends ThreadingMixIn(UnixStreamServer) {}
export class ThreadingUnixDatagramServer extends ThreadingMixIn(UnixDatagramServer) {}
