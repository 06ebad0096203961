// One measurement of one load generator, in a process of its own, for bench/load-generators.ts: a warm-up, then
// the measured run; prints {"rate", "cpuUs"} (operations per second, the process's CPU µs per operation).
//   load-generator-run.ts old|new pingpong|connect CONNECTIONS SECONDS PORT
import * as old from "./load.js";
import * as now from "./socketkit-bench-load.js";

const [which, mode, connections, seconds, port] = process.argv.slice(2);
const generator = which === "old" ? old : now;
const run = (s: number) =>
  mode === "connect"
    ? generator.connectRate(Number(port), Number(connections), s)
    : generator.pingPong(Number(port), Number(connections), s);

await run(0.5); // compiled and warmed before anything is measured
const cpu0 = process.cpuUsage();
const r = await run(Number(seconds));
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ rate: r.rate, cpuUs: (cpu.user + cpu.system) / (r.rate * r.elapsed) })}\n`);
