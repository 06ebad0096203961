// The connections of socketkit bench, built to stay out of the way of the server they measure: each is a small
// callback state machine on node:net (no promise or listener per round trip), and reads land in one shared
// buffer through `onread` (no Buffer and no 'data' event per read).

import net from "node:net";
import type { Latency } from "./latency.js";

/** Where every connection's reads land: the bytes are counted (and scanned for a newline), never kept. */
const READ_AREA = Buffer.allocUnsafe(64 * 1024);

export interface Target {
  host: string;
  port: number;
}

/** How a reply is known to be complete: `echo` when as many bytes came back as were sent, `line` at a newline. */
export type ReplyRule = "echo" | "line";

/** What the connections of one run share: where to record, and when to stop. */
export interface RunState {
  latency: Latency;
  /** performance.now() after which no new request is sent. */
  end: number;
  errors: number;
  /** Round trips completed since the last progress report. */
  recent: number;
}

/** True when the reply is complete after reading `n` more bytes into READ_AREA. */
function complete(rule: ReplyRule, expected: number, got: number, n: number): boolean {
  if (rule === "echo") return got >= expected;
  return READ_AREA.lastIndexOf(10, n - 1) >= 0;
}

/** Opens a TCP_NODELAY connection whose reads go to `onRead(n)`. */
function open(target: Target, onRead: (n: number) => void): net.Socket {
  return net.connect({
    host: target.host,
    port: target.port,
    noDelay: true,
    onread: {
      buffer: READ_AREA,
      callback: (n: number) => {
        onRead(n);
        return true;
      },
    },
  });
}

/** One connection doing request → reply → request … until the run ends; counts its own round trips. */
export class PingPong {
  done = 0;
  failed = false;
  private sock!: net.Socket;
  private got = 0;
  private sentAt = 0;
  private finish: () => void = () => {};

  constructor(
    private readonly target: Target,
    private readonly message: Buffer,
    private readonly rule: ReplyRule,
    private readonly state: RunState,
  ) {}

  /** Resolves once connected; rejects if the connection fails. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sock = open(this.target, (n) => this.onRead(n));
      this.sock.once("connect", resolve);
      this.sock.on("error", (err) => {
        this.fail();
        reject(err);
      });
      this.sock.once("close", () => this.fail());
    });
  }

  /** Runs until the state's end; resolves when this connection's last round trip is back (or it failed). */
  run(): Promise<void> {
    return new Promise((resolve) => {
      this.finish = resolve;
      if (this.failed) return resolve();
      this.send(performance.now());
    });
  }

  close(): void {
    this.sock?.destroy();
  }

  private onRead(n: number): void {
    this.got += n;
    if (!complete(this.rule, this.message.length, this.got, n)) return;
    this.got = 0;
    const now = performance.now();
    this.state.latency.record(now - this.sentAt);
    this.state.recent++;
    this.done++;
    if (now < this.state.end) this.send(now);
    else this.finish();
  }

  private send(now: number): void {
    this.sentAt = now;
    this.sock.write(this.message);
  }

  private fail(): void {
    if (this.failed || performance.now() >= this.state.end) return this.finish();
    this.failed = true;
    this.state.errors++;
    this.finish();
  }
}

/**
 * One loop of connect → one round trip → close until the run ends: new connections per second. Latency runs
 * from connect() to the reply's last byte; a failed connection counts as an error and the loop goes on.
 */
export function connectLoop(target: Target, message: Buffer, rule: ReplyRule, state: RunState): Promise<number> {
  let done = 0;
  return new Promise((resolve) => {
    const next = () => {
      if (performance.now() >= state.end) return resolve(done);
      const t0 = performance.now();
      let got = 0;
      let over = false;
      const sock = open(target, (n) => {
        got += n;
        if (over || !complete(rule, message.length, got, n)) return;
        over = true;
        state.latency.record(performance.now() - t0);
        state.recent++;
        done++;
        sock.destroy();
        next();
      });
      const failed = () => {
        if (over) return;
        over = true;
        state.errors++;
        sock.destroy();
        setImmediate(next);
      };
      // 'on', not 'once': each fires at most once for a socket destroyed right after, and once() wraps every
      // listener in a closure of its own. A refused or reset connection is an 'error'; one the server closed
      // before replying, an 'end' ('close', which every connection emits when it is done with, would cost more).
      sock.on("connect", () => sock.write(message));
      sock.on("error", failed);
      sock.on("end", failed);
    };
    next();
  });
}
