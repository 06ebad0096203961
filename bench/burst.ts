// Burst benchmark: 500 clients connect at once to an echo server with a given listen() backlog, each does one
// round trip; reports how many waited for a SYN retransmission (ListenOverflows) and the slowest round trip, for
// socketkit serve and a node:net echo server with the same backlog, alternating rounds.
//
//   npx tsx bench/burst.ts --backlog 128 --rounds 5
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { counterDeltas, readCounters } from "../src/kernel/counters.js";
import { requireFreshBuild, SOCKETKIT_BIN } from "./lib/processes.js";
import { benchArgs } from "./lib/args.js";

const { values: opts } = benchArgs(import.meta.url, {
  backlog: { type: "string", default: "128" },
  clients: { type: "string", default: "500" },
  rounds: { type: "string", default: "5" },
});
requireFreshBuild();
const BACKLOG = Number(opts.backlog);
const CLIENTS = Number(opts.clients);

async function start(cmd: string[], pattern: RegExp): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${cmd.join(" ")} exited with ${code}`)));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  return { child, port };
}

function burst(port: number): Promise<number[]> {
  const t0 = performance.now();
  return Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise<number>((resolve, reject) => {
          const s = net.connect({ port, host: "127.0.0.1" }, () => s.write("ping"));
          let got = "";
          s.setEncoding("utf8");
          s.on("data", (d: string) => {
            got += d;
            if (got.endsWith("ping")) {
              s.destroy();
              resolve(performance.now() - t0);
            }
          });
          s.on("error", reject);
        }),
    ),
  );
}

const nodeServer = `require("net").createServer((c) => { c.on("error", () => {}); c.pipe(c); }).listen({ host: "127.0.0.1", port: 0, backlog: ${BACKLOG} }, function () { console.log("port " + this.address().port); });`;
const servers = [
  {
    name: "socketkit serve",
    run: () =>
      start(
        [
          process.execPath,
          SOCKETKIT_BIN,
          "serve",
          "--host",
          "127.0.0.1",
          "--port",
          "0",
          "--backlog",
          String(BACKLOG),
          "--lang",
          "en",
        ],
        /:(\d+) \(backlog/,
      ),
  },
  { name: "node:net", run: () => start([process.execPath, "-e", nodeServer], /port (\d+)/) },
];

console.log(`${CLIENTS} clients at once, listen backlog ${BACKLOG}, ${opts.rounds} rounds per server\n`);
console.log("server".padEnd(18) + "round  overflows  slowest ms  clients over 1 s");
for (let round = 0; round < Number(opts.rounds); round++) {
  for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
    const { child, port } = await server.run();
    const before = readCounters();
    const times = await burst(port);
    const overflows = counterDeltas(before, readCounters())["TcpExt.ListenOverflows"] ?? 0;
    const slow = times.filter((t) => t > 1000).length;
    console.log(
      `${server.name.padEnd(18)}${String(round + 1).padStart(5)}${String(overflows).padStart(11)}${Math.round(
        Math.max(...times),
      )
        .toString()
        .padStart(12)}${String(slow).padStart(18)}`,
    );
    child.kill();
  }
}
