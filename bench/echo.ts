// Echo benchmark: socketkit's echo server against a plain net.createServer echo, measured in the same run by
// the same load generator (this process, Node's net). Each server runs in its own process; rounds alternate
// between them and the medians are reported.
//
//   npm run bench                      # defaults: 5 rounds of 2 s per scenario
//   npm run bench -- --rounds 3 --seconds 1 --json
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import net from "node:net";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "2" },
    json: { type: "boolean", default: false },
    "no-pin": { type: "boolean", default: false },
  },
});
// On two or more cores, the load generator runs on CPU 0 and each server on CPU 1, so the scheduler's moves
// between cores do not add noise to one side's numbers.
const PIN = !opts["no-pin"] && availableParallelism() >= 2 && spawnSync("taskset", ["-V"]).status === 0;
function pin(pid: number, cpu: number): void {
  if (PIN) spawnSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" });
}
pin(process.pid, 0);
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const MESSAGE = Buffer.alloc(64, 0x61);

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

async function startServer(name: string, file: string): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL(file, import.meta.url).pathname], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${name} server exited with ${code}`)));
    child.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  pin(child.pid!, 1);
  return { name, port, child };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => resolve(s));
    s.once("error", reject);
  });
}

/** One 64-byte round trip on `sock`: resolves when all 64 bytes have come back. */
function roundTrip(sock: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const onData = (d: Buffer) => {
      got += d.length;
      if (got >= MESSAGE.length) {
        sock.off("data", onData);
        sock.off("error", reject);
        resolve();
      }
    };
    sock.on("data", onData);
    sock.once("error", reject);
    sock.write(MESSAGE);
  });
}

/** Round trips per second over `connections` connections, each doing ping-pong until time is up. */
async function pingPong(port: number, connections: number): Promise<number> {
  const socks = await Promise.all(Array.from({ length: connections }, () => connect(port)));
  let count = 0;
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    socks.map(async (s) => {
      while (performance.now() < end) {
        await roundTrip(s);
        count++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const s of socks) s.destroy();
  return count / elapsed;
}

/** New connections per second: `parallel` loops of connect, one round trip, close. */
async function connectRate(port: number, parallel: number): Promise<number> {
  let count = 0;
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < end) {
        const s = await connect(port);
        await roundTrip(s);
        s.destroy();
        count++;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const scenarios: Array<{ name: string; run: (port: number) => Promise<number> }> = [
  { name: "ping-pong 64 B, 1 connection (round trips/s)", run: (p) => pingPong(p, 1) },
  { name: "ping-pong 64 B, 50 connections (round trips/s)", run: (p) => pingPong(p, 50) },
  { name: "ping-pong 64 B, 500 connections (round trips/s)", run: (p) => pingPong(p, 500) },
  { name: "new connections/s (16 in parallel, one round trip each)", run: (p) => connectRate(p, 16) },
];

const servers = [await startServer("socketkit", "./servers/socketkit-echo.ts"), await startServer("node:net", "./servers/node-echo.ts")];
try {
  const results: Record<string, Record<string, number[]>> = {};
  for (const sc of scenarios) {
    results[sc.name] = Object.fromEntries(servers.map((s) => [s.name, [] as number[]]));
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which server goes first so drift on the machine does not favour one.
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) results[sc.name]![s.name]!.push(await sc.run(s.port));
    }
  }
  const rows = scenarios.map((sc) => {
    const r = results[sc.name]!;
    const mine = median(r["socketkit"]!);
    const peer = median(r["node:net"]!);
    return { scenario: sc.name, socketkit: Math.round(mine), node: Math.round(peer), ratio: Number((mine / peer).toFixed(3)) };
  });
  if (opts.json) {
    console.log(JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, node: process.version, pinned: PIN, rows }, null, 2));
  } else {
    console.log(`echo benchmark: medians of ${ROUNDS} rounds of ${SECONDS} s, Node ${process.version}${PIN ? ", client on CPU 0, servers on CPU 1" : ""}\n`);
    console.log("scenario".padEnd(58) + "socketkit".padStart(12) + "node:net".padStart(12) + "ratio".padStart(8));
    for (const r of rows) {
      console.log(r.scenario.padEnd(58) + String(r.socketkit).padStart(12) + String(r.node).padStart(12) + r.ratio.toFixed(3).padStart(8));
    }
  }
} finally {
  for (const s of servers) s.child.kill();
}
