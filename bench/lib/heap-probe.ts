// Loaded into a server under test by bench/idle.ts (node --expose-gc --import this-file): on SIGUSR2 it runs
// full garbage collections and writes the process's heap figures as one JSON line to $BENCH_HEAP_PROBE, so that
// the benchmark can tell live JavaScript memory from garbage not yet collected and from native memory.
import { writeFileSync } from "node:fs";
import v8 from "node:v8";

const file = process.env.BENCH_HEAP_PROBE;
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  let seq = 0;
  process.on("SIGUSR2", () => {
    gc();
    gc();
    const m = process.memoryUsage();
    const h = v8.getHeapStatistics();
    const probe = {
      seq: ++seq,
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      mallocedMemory: h.malloced_memory,
    };
    writeFileSync(file, JSON.stringify(probe));
  });
}
