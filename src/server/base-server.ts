// BaseServer: the request loop of Python's socketserver, independent of the socket type.
//
// One request flows through small overridable steps:
//   serveForever / handleRequest → (wait until readable) → getRequest → verifyRequest → processRequest
//     → finishRequest (builds the handler, runs setup/handle/finish) → shutdownRequest → closeRequest
// with handleError for what a handler throws and handleTimeout when handleRequest's timeout passes.

import { AsyncLocalStorage } from "node:async_hooks";
import type { Address } from "../socket/address.js";
import { BlockingIOError, OSError } from "../socket/errors.js";
import { formatAddress } from "../socket/repr.js";
import { BaseRequestHandler, runHandler } from "./request-handlers.js";
import { readSetting, writeSetting } from "./settings.js";

/** A handler class the server instantiates for each request. */
export type RequestHandlerClass = new (request: any, clientAddress: any, server: any) => BaseRequestHandler<any, any, any>;

/** How many queued requests one wake-up of serveForever takes before it checks for shutdown again. */
const BURST = 256;

/** accept() errors that mean "no descriptors or memory right now": EMFILE, ENFILE, ENOBUFS, ENOMEM. */
const OUT_OF_RESOURCES = new Set([24, 23, 105, 12]);
const RESOURCE_BACKOFF_MS = 50;

/** Which server's handler is running, so that shutdown() called from inside one never waits on itself. */
const handlerOf = new AsyncLocalStorage<BaseServer>();

export abstract class BaseServer {
  /** Seconds handleRequest() waits for a request before calling handleTimeout(); null waits forever. */
  static timeout: number | null = null;

  serverAddress: Address;
  RequestHandlerClass: RequestHandlerClass;
  private shutdownRequested = false;
  private loop: { wake: AbortController; done: Promise<void> } | null = null;

  constructor(serverAddress: Address, RequestHandlerClass: RequestHandlerClass) {
    this.serverAddress = serverAddress;
    this.RequestHandlerClass = RequestHandlerClass;
  }

  get timeout(): number | null {
    return readSetting(this, "timeout");
  }
  set timeout(value: number | null) {
    writeSetting(this, "timeout", value);
  }

  // --- for subclasses: the socket side ---------------------------------------------------------------------------

  /** Resolves true when a request can be taken without waiting, false after `timeout` seconds or on `signal`. */
  protected abstract waitForRequest(timeout: number | null, signal?: AbortSignal): Promise<boolean>;
  /** Takes one request; BlockingIOError when there is none after all. */
  abstract getRequest(): Promise<[unknown, Address]>;
  abstract fileno(): number;
  serverActivate(): void {}

  // --- for callers -----------------------------------------------------------------------------------------------

  /**
   * Handles requests until shutdown(). Each wake-up takes the requests already queued; `pollInterval` (seconds)
   * bounds how long the loop waits before calling serviceActions().
   */
  async serveForever(pollInterval = 0.5): Promise<void> {
    if (this.loop !== null) throw new Error("serveForever() is already running on this server");
    let finished!: () => void;
    const loop = { wake: new AbortController(), done: new Promise<void>((r) => (finished = r)) };
    this.loop = loop;
    try {
      while (!this.shutdownRequested) {
        const ready = await this.waitForRequest(pollInterval, loop.wake.signal);
        for (let i = 0; ready && i < BURST && !this.shutdownRequested; i++) {
          if (!(await this.handleRequestNoblock())) break;
        }
        if (!this.shutdownRequested) await this.serviceActions();
      }
    } finally {
      this.shutdownRequested = false;
      this.loop = null;
      finished();
    }
  }

  /**
   * Stops serveForever() and resolves once it has returned. Called from one of this server's own handlers it
   * resolves at once instead (the loop ends when that request is done), so it never waits on itself.
   */
  async shutdown(): Promise<void> {
    const loop = this.loop;
    if (loop === null) return;
    this.shutdownRequested = true;
    loop.wake.abort();
    if (handlerOf.getStore() === this) return;
    await loop.done;
  }

  /** Handles one request, waiting at most `timeout` seconds for it (then calls handleTimeout()). */
  async handleRequest(): Promise<void> {
    const timeout = this.timeout;
    if (await this.waitForRequest(timeout)) {
      await this.handleRequestNoblock();
    } else {
      await this.handleTimeout();
    }
  }

  /** Stops serving: closes the server's socket. */
  async serverClose(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
    await this.serverClose();
  }

  // --- hooks that may be overridden -------------------------------------------------------------------------------

  /** Called once per serveForever() iteration. */
  serviceActions(): void | Promise<void> {}

  handleTimeout(): void | Promise<void> {}

  /** Returns false to refuse the request: it is then shut down without reaching a handler. */
  verifyRequest(_request: unknown, _clientAddress: Address): boolean | Promise<boolean> {
    return true;
  }

  /** Runs the request to completion; ThreadingMixIn replaces this to run it as its own task. */
  async processRequest(request: unknown, clientAddress: Address): Promise<void> {
    await this.finishRequest(request, clientAddress);
    this.shutdownRequest(request);
  }

  /** Builds the handler and runs its setup(), handle() and finish(). */
  async finishRequest(request: unknown, clientAddress: Address): Promise<void> {
    const handler = new this.RequestHandlerClass(request, clientAddress, this);
    // Only a server that awaits its requests inline can deadlock on a handler's shutdown(); only there is the
    // handler's context worth tracking (AsyncLocalStorage puts a hook on every promise in the process).
    if (this.requestsRunInline) await handlerOf.run(this, () => runHandler(handler));
    else await runHandler(handler);
  }

  /** True when serveForever() awaits each request before taking the next; ThreadingMixIn says false. */
  protected get requestsRunInline(): boolean {
    return true;
  }

  shutdownRequest(request: unknown): void {
    this.closeRequest(request);
  }

  closeRequest(_request: unknown): void {}

  /** Reports what a handler threw, as Python does, and lets the server carry on. */
  handleError(_request: unknown, clientAddress: Address, error: unknown): void {
    const line = "-".repeat(40);
    const trace = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    process.stderr.write(
      `${line}\nException occurred during processing of request from ${formatAddress(clientAddress)}\n` +
        `Traceback (most recent call first):\n${trace}\n${line}\n`,
    );
  }

  // --- internals -------------------------------------------------------------------------------------------------

  /** Takes and processes one request; false when there was none to take. */
  protected async handleRequestNoblock(): Promise<boolean> {
    let request: unknown;
    let clientAddress: Address;
    try {
      [request, clientAddress] = await this.getRequest();
    } catch (err) {
      if (err instanceof BlockingIOError) return false;
      if (err instanceof OSError && err.errno !== null && OUT_OF_RESOURCES.has(err.errno)) {
        // The connection stays queued and the socket stays readable: without a pause the loop would spin
        // until a descriptor frees up (Go's accept loop backs off the same way).
        await new Promise((r) => setTimeout(r, RESOURCE_BACKOFF_MS));
        return false;
      }
      if (err instanceof OSError) return true;
      throw err;
    }
    try {
      if (await this.verifyRequest(request, clientAddress)) {
        await this.processRequest(request, clientAddress);
      } else {
        this.shutdownRequest(request);
      }
    } catch (err) {
      this.reportError(request, clientAddress, err);
      this.shutdownRequest(request);
    }
    return true;
  }

  /** handleError(), guarded: an override that throws must not stop the server. */
  protected reportError(request: unknown, clientAddress: Address, error: unknown): void {
    try {
      this.handleError(request, clientAddress, error);
    } catch (inner) {
      process.stderr.write(`handleError failed: ${String(inner)}\n`);
    }
  }
}
