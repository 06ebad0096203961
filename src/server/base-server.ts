// BaseServer: the request loop of Python's socketserver, independent of the socket type.
//
// One request flows through small overridable steps:
//   serveForever / handleRequest → (wait until readable) → getRequest → verifyRequest → processRequest
//     → finishRequest (builds the handler, runs setup/handle/finish) → shutdownRequest → closeRequest
// with handleError for what a handler throws and handleTimeout when handleRequest's timeout passes.

import { AsyncLocalStorage } from "node:async_hooks";
import { positional, signalOf, type WaitOptions } from "../socket/abort.js";
import type { Address } from "../socket/address.js";
import { BlockingIOError, E, OSError } from "../socket/errors.js";
import { formatAddress } from "../socket/repr.js";
import { deadlineFor, hasPassed, secondsLeft } from "../socket/timeout.js";
import { Latch } from "./latch.js";
import { RuntimeError } from "./runtime-error.js";
import { BaseRequestHandler, runHandler, type RunnableHandler } from "./request-handlers.js";
import { defineSettings } from "./settings.js";

/**
 * A handler class the server instantiates for each request. Its parameters are `any` on purpose: a server accepts
 * handler classes typed for its own request and address kinds, which no single signature spells.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export type RequestHandlerClass = new (
  request: any,
  clientAddress: any,
  server: any,
) => BaseRequestHandler<any, any, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** How many queued requests one wake-up of serveForever takes before it checks for shutdown again. */
const BURST = 256;

/** accept() errors that mean "no descriptors or memory right now". */
const OUT_OF_RESOURCES = new Set<number>([E.EMFILE, E.ENFILE, E.ENOBUFS, E.ENOMEM]);
const RESOURCE_BACKOFF_MS = 50;

/** Which server's handler is running, so that shutdown() called from inside one never waits on itself. */
const handlerOf = new AsyncLocalStorage<BaseServer>();

/** An error as Python prints it: "Traceback (most recent call last):", the frames oldest first, the error last. */
export function pythonTraceback(error: unknown): string {
  if (!(error instanceof Error)) return `Traceback (most recent call last):\n${String(error)}`;
  const frames = (error.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  const body = frames.reverse().map((l) => `  ${l.trim()}`);
  return ["Traceback (most recent call last):", ...body, `${error.name}: ${error.message}`].join("\n");
}

/**
 * The request loop of Python's socketserver. `A` is the type of `serverAddress`, fixed by the subclass's address
 * family: an inet tuple for TCPServer and UDPServer, a path for the Unix servers.
 */
export abstract class BaseServer<A extends Address = Address> {
  /** Seconds handleRequest() waits for a request before calling handleTimeout(); null waits forever. */
  static timeout: number | null = null;
  declare timeout: number | null;
  static {
    defineSettings(this, ["timeout"]);
  }

  serverAddress: A;
  RequestHandlerClass: RequestHandlerClass;
  private shutdownRequested = false;
  private loop: { wake: AbortController } | null = null;
  /** Python's __is_shut_down: set when serveForever() returns, clear while it runs and before it ever ran. */
  private isShutDown = new Latch();

  constructor(serverAddress: A, RequestHandlerClass: RequestHandlerClass) {
    this.serverAddress = serverAddress;
    this.RequestHandlerClass = RequestHandlerClass;
  }

  // --- for subclasses: the socket side ---------------------------------------------------------------------------

  /** Resolves true when a request can be taken without waiting, false after `timeout` seconds or on `signal`. */
  protected abstract waitForRequest(timeout: number | null, signal?: AbortSignal): Promise<boolean>;
  /**
   * Takes one request. When there is none after all it may resolve null (socketkit's servers do: no exception
   * with a stack trace on the accept loop's hot path) or reject with BlockingIOError, as Python's would.
   */
  abstract getRequest(): Promise<[unknown, Address] | null>;
  abstract fileno(): number;
  serverActivate(): void {}
  /** The server socket's own timeout, which handleRequest() honours too (none for a socketless server). */
  protected socketTimeout(): number | null {
    return null;
  }

  // --- for callers -----------------------------------------------------------------------------------------------

  /**
   * Handles requests until shutdown(), or until `signal` aborts, which stops the loop as shutdown() does (the
   * promise resolves). Each wake-up takes the requests already queued; `pollInterval` (seconds) bounds how long
   * the loop waits before calling serviceActions(). One loop per server: a second concurrent call rejects.
   * @throws RuntimeError when serveForever() is already running on this server (Python would run both loops)
   * @example
   * const stop = new AbortController();
   * const serving = server.serveForever({ signal: stop.signal });
   * stop.abort(); // serving resolves once the loop has returned
   */
  async serveForever(pollInterval?: number | WaitOptions, options?: WaitOptions): Promise<void> {
    const signal = signalOf(pollInterval, options);
    const every = positional(pollInterval, 0.5);
    if (this.loop !== null) throw new RuntimeError("serveForever() is already running on this server");
    const loop = { wake: new AbortController() };
    this.loop = loop;
    if (this.isShutDown.isSet) this.isShutDown = new Latch();
    const stop = () => {
      this.shutdownRequested = true;
      loop.wake.abort();
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
    try {
      // shutdown() wakes the loop itself; the poll interval only paces serviceActions(), so a server that does not
      // override it waits without a timer (one less timer per wait on the accept loop).
      const interval = this.serviceActions === BaseServer.prototype.serviceActions ? null : every;
      while (!this.shutdownRequested) {
        const ready = await this.waitForRequest(interval, loop.wake.signal);
        for (let i = 0; ready && i < BURST && !this.shutdownRequested; i++) {
          if (!(await this.handleRequestNoblock())) break;
        }
        if (!this.shutdownRequested) await this.serviceActions();
      }
    } finally {
      signal?.removeEventListener("abort", stop);
      this.shutdownRequested = false;
      this.loop = null;
      this.isShutDown.set();
    }
  }

  /**
   * Stops serveForever() and resolves once it has returned. As in Python, a call while no loop runs waits for the
   * next serveForever(), which then returns at once. Called from one of this server's own handlers it resolves
   * at once instead (the loop ends when that request is done), so it never waits on itself.
   */
  async shutdown(): Promise<void> {
    this.shutdownRequested = true;
    this.loop?.wake.abort();
    if (handlerOf.getStore() === this) return;
    await this.isShutDown.wait();
  }

  /**
   * Handles one request, waiting for it at most the smaller of the server's `timeout` and its socket's timeout
   * (then calls handleTimeout()), as Python's handle_request().
   */
  async handleRequest(): Promise<void> {
    const own = this.socketTimeout();
    const timeout = own === null ? this.timeout : this.timeout === null ? own : Math.min(own, this.timeout);
    const deadline = deadlineFor(timeout);
    for (;;) {
      if (await this.waitForRequest(secondsLeft(deadline))) {
        await this.handleRequestNoblock();
        return;
      }
      if (hasPassed(deadline)) {
        await this.handleTimeout();
        return;
      }
    }
  }

  /**
   * Cleans up the server; here, as in Python's BaseServer, there is nothing to clean up. TCPServer and UDPServer
   * close their socket, the mix-ins also wait for or stop their requests; an override calls this one too.
   */
  async serverClose(): Promise<void> {}

  /** As Python's `with server:`, leaving calls serverClose() only (shut the loop down first if it runs). */
  async [Symbol.asyncDispose](): Promise<void> {
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
  finishRequest(request: unknown, clientAddress: Address): Promise<void> {
    // A promise chain rather than an async function: one less suspended frame held by every idle connection.
    try {
      // RequestHandlerClass is typed with `any` on purpose; what it builds is a handler like any other.
      const handler = new this.RequestHandlerClass(request, clientAddress, this) as RunnableHandler;
      // Only a server that awaits its requests inline can deadlock on a handler's shutdown(); only there is the
      // handler's context worth tracking (AsyncLocalStorage puts a hook on every promise in the process).
      return this.requestsRunInline ? handlerOf.run(this, () => runHandler(handler)) : runHandler(handler);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** True when serveForever() awaits each request before taking the next; the mix-ins' classes say false. */
  protected static requestsRunInline = true;

  /** The class's requestsRunInline. */
  protected get requestsRunInline(): boolean {
    return (this.constructor as typeof BaseServer).requestsRunInline;
  }

  shutdownRequest(request: unknown): void {
    this.closeRequest(request);
  }

  closeRequest(_request: unknown): void {}

  /** Reports what a handler threw, as Python does (traceback, most recent call last), and lets the server carry on. */
  handleError(_request: unknown, clientAddress: Address, error: unknown): void {
    const line = "-".repeat(40);
    process.stderr.write(
      `${line}\nException occurred during processing of request from ${formatAddress(clientAddress)}\n` +
        `${pythonTraceback(error)}\n${line}\n`,
    );
  }

  // --- internals -------------------------------------------------------------------------------------------------

  /** Takes and processes one request; false when there was none to take. */
  protected async handleRequestNoblock(): Promise<boolean> {
    let request: unknown;
    let clientAddress: Address;
    try {
      const taken = await this.getRequest();
      if (taken === null) return false;
      [request, clientAddress] = taken;
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
    await this.admitRequest(request, clientAddress);
    return true;
  }

  /**
   * verifyRequest() then processRequest() for one taken request: the one seam between taking a request and
   * verifying it, which a mix-in replaces for what must happen first (ProxyProtocolMixIn in socketkit/deploy
   * reads the PROXY protocol header here, so verifyRequest sees the original client).
   */
  protected async admitRequest(request: unknown, clientAddress: Address): Promise<void> {
    // As Python: what verifyRequest() throws escapes to the caller of handleRequest()/serveForever().
    if (!(await this.verifyRequest(request, clientAddress))) {
      this.shutdownRequest(request);
      return;
    }
    try {
      await this.processRequest(request, clientAddress);
    } catch (err) {
      this.reportError(request, clientAddress, err);
      this.shutdownRequest(request);
    }
  }

  /**
   * A request run to its end on its own, as Python's process_request_thread and its forked child do:
   * finishRequest(), what it throws to handleError(), then shutdownRequest() in any case. ThreadingMixIn runs
   * each request this way as a task, ForkingMixIn in a worker process.
   */
  protected completeRequest(request: unknown, clientAddress: Address): Promise<void> {
    // A promise chain rather than an async function: a running request holds one frame less.
    return this.finishRequest(request, clientAddress).then(
      () => this.shutdownRequest(request),
      (err: unknown) => {
        try {
          this.reportError(request, clientAddress, err);
        } finally {
          this.shutdownRequest(request);
        }
      },
    );
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
