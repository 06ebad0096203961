// The echo load generator: 64-byte ping-pong over N connections, and connect → one round trip → close loops.
// It is built to stay out of the way of the server it measures: each connection is a small callback state
// machine (no promise or listener per round trip), reads land in one shared buffer through Node's `onread`
// (no Buffer and no 'data' event per read), and every round trip's latency goes into a fixed-size sample.

import net from "node:net";
import { LatencyRecorder } from "./stats.js";

export const MESSAGE_SIZE = 64;
const MESSAGE = Buffer.alloc(MESSAGE_SIZE, 0x61);
/** Where every connection's reads land: the bytes are only counted, never looked at. */
const READ_AREA = Buffer.allocUnsafe(64 * 1024);

/** What a connection does with the byte counts it reads. */
type OnBytes = (n: number) => void;

/** Connects with TCP_NODELAY; every read's byte count goes to `onBytes`. */
function open(port: number, onBytes: OnBytes, done: (err: Error | null, sock: net.Socket) => void): net.Socket {
  const sock = net.connect({
    port,
    host: "127.0.0.1",
    noDelay: true,
    onread: {
      buffer: READ_AREA,
      callback: (n: number) => {
        onBytes(n);
        return true;
      },
    },
  });
  sock.once("connect", () => done(null, sock));
  sock.on("error", (err) => done(err, sock));
  return sock;
}

export interface LoadResult {
  /** Completed round trips (or connections) per second. */
  rate: number;
  /** Latency of one round trip (or of connect + round trip), microseconds. */
  p50: number;
  p99: number;
  /** Seconds the measured window lasted. */
  elapsed: number;
}

/** A connection that sends a message whenever the previous one has fully come back, until `keepGoing()` says stop. */
class PingPong {
  sock!: net.Socket;
  private got = 0;
  private sentAt = 0;
  private finish: (() => void) | null = null;

  constructor(
    private readonly rec: LatencyRecorder,
    private readonly keepGoing: () => boolean,
  ) {}

  onBytes(n: number): void {
    this.got += n;
    if (this.got < MESSAGE_SIZE) return;
    this.got -= MESSAGE_SIZE;
    const now = performance.now();
    this.rec.add(now - this.sentAt);
    if (this.keepGoing()) this.send(now);
    else this.finish?.();
  }

  run(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.finish = resolve;
      this.sock.once("close", () => reject(new Error("the server closed a connection during the round")));
      this.send(performance.now());
    });
  }

  private send(now: number): void {
    this.sentAt = now;
    this.sock.write(MESSAGE);
  }
}

function connected(port: number, onBytes: OnBytes): Promise<net.Socket> {
  return new Promise((resolve, reject) => open(port, onBytes, (err, sock) => (err ? reject(err) : resolve(sock))));
}

/** Round trips per second over `connections` connections, each doing ping-pong for `seconds`. */
export async function pingPong(port: number, connections: number, seconds: number): Promise<LoadResult> {
  const rec = new LatencyRecorder();
  let end = Infinity;
  const keepGoing = () => performance.now() < end;
  const peers = Array.from({ length: connections }, () => new PingPong(rec, keepGoing));
  const socks = await Promise.all(peers.map((p) => connected(port, (n) => p.onBytes(n))));
  socks.forEach((s, i) => (peers[i]!.sock = s));
  const started = performance.now();
  end = started + seconds * 1000;
  await Promise.all(peers.map((p) => p.run()));
  const elapsed = (performance.now() - started) / 1000;
  for (const s of socks) s.destroy();
  return { rate: rec.count / elapsed, ...rec.percentiles(), elapsed };
}

/** New connections per second: `parallel` loops of connect, one round trip, close, for `seconds`. */
export async function connectRate(port: number, parallel: number, seconds: number): Promise<LoadResult> {
  const rec = new LatencyRecorder();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(Array.from({ length: parallel }, () => connectLoop(port, rec, end)));
  const elapsed = (performance.now() - started) / 1000;
  return { rate: rec.count / elapsed, ...rec.percentiles(), elapsed };
}

/** One loop of connectRate: each connection's latency runs from connect() to its echo's last byte. */
function connectLoop(port: number, rec: LatencyRecorder, end: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = () => {
      const t0 = performance.now();
      let got = 0;
      const sock = open(
        port,
        (n) => {
          got += n;
          if (got < MESSAGE_SIZE) return;
          const now = performance.now();
          rec.add(now - t0);
          sock.destroy();
          if (now < end) next();
          else resolve();
        },
        (err) => (err ? reject(err) : sock.write(MESSAGE)),
      );
    };
    next();
  });
}
