// The CPU-bound server for bench/forking.ts: each request line costs ~2 ms of hashing (one SHA-256 digest of many
// small blocks, calibrated at start), and "block" holds the handler's thread for 1 s. Run as
//   cpu-server.ts forking|threading [WORKERS]
// forking: ForkingTCPServer with WORKERS worker processes (poolSize = maxChildren); threading: ThreadingTCPServer.
// It prints "PORT ITERATIONS READY_MS" once it can serve: bench/forking.ts runs it under tsx and, compiled to
// JavaScript, under plain node.
import { createHash } from "node:crypto";
import {
  ForkingTCPServer,
  isWorkerProcess,
  StreamRequestHandler,
  ThreadingTCPServer,
  type Address,
} from "../../dist/index.js";

const WORK_MS = 2;
const DATA = Buffer.alloc(64, 1);

// One digest fed n small blocks: hashing with almost no garbage. A new Hash object per block (the first version)
// made the collector's threads take a second core's tenth, so the "one-core" ThreadingTCPServer was not one core.
function hashLoop(n: number): void {
  const hash = createHash("sha256");
  for (let i = 0; i < n; i++) hash.update(DATA);
  hash.digest();
}

/** Iterations per request: the fastest of a few timed batches, so that a busy machine does not inflate it. */
function calibrate(): number {
  hashLoop(200_000); // let the JIT finish with the loop first
  let best = Infinity;
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    hashLoop(20_000);
    best = Math.min(best, (performance.now() - t) / 20_000);
  }
  return Math.round(WORK_MS / best);
}

// The parent calibrates once (unless given the count); its workers inherit the count through the environment.
// Given a count, a process warms the loop up as calibrate() would, so that no server's first requests run it cold.
const given = process.env.CPU_SERVER_ITERATIONS;
const iterations = given === undefined ? calibrate() : Number(given);
if (given !== undefined) hashLoop(200_000);
process.env.CPU_SERVER_ITERATIONS = String(iterations);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

class CpuHandler extends StreamRequestHandler<Address> {
  override async handle(): Promise<void> {
    for await (const line of this.rfile) {
      if (line.toString().trimEnd() === "block") Atomics.wait(sleeper, 0, 0, 1000);
      else hashLoop(iterations);
      await this.wfile.write(Buffer.from("ok\n"));
    }
  }
}

const [kind, workers] = process.argv.slice(2);
class Forking extends ForkingTCPServer {
  static override requestQueueSize = 128;
  static override allowReuseAddress = true;
  static override poolSize = Number(workers ?? 2);
  static override maxChildren = Number(workers ?? 2);
}
class Threading extends ThreadingTCPServer {
  static override requestQueueSize = 128;
  static override allowReuseAddress = true;
}
const server = new (kind === "forking" ? Forking : Threading)(["127.0.0.1", 0], CpuHandler);
process.on(
  "SIGTERM",
  () =>
    void server
      .shutdown()
      .then(() => server.serverClose())
      .then(() => process.exit(0)),
);
const started = performance.now();
const serving = server.serveForever();
if (!isWorkerProcess()) {
  // Ready means ready to serve at full speed: for the forking server, once its warm pool's workers are (how long
  // that took is the third number, the cost a user pays per start before the first client is served at speed).
  if (server instanceof Forking) await server.startWorkers();
  const readyMs = (performance.now() - started).toFixed(0);
  process.stdout.write(`${server.serverAddress[1]} ${iterations} ${readyMs}\n`);
}
await serving;
