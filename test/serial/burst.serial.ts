// Fairness under a burst: 500 clients connecting at once to socketkit serve all get a round trip in the first
// second, which means none waited for a SYN retransmission: the accept loop drained the queue as it filled.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { startServer } from "../helpers/cli.js";
import { within } from "../helpers/wait.js";

function roundTrip(port: number, started: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1" }, () => s.write("ping"));
    let got = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      got += d;
      if (got.endsWith("ping")) {
        s.destroy();
        resolve(performance.now() - started);
      }
    });
    s.on("error", reject);
  });
}

test("500 simultaneous clients each complete a round trip within the first second", async () => {
  const server = await startServer();
  try {
    const started = performance.now();
    const times = await within(10000, "500 round trips", Promise.all(Array.from({ length: 500 }, () => roundTrip(server.port, started))));
    const slowest = Math.max(...times);
    assert.ok(slowest < 1000, `slowest client took ${Math.round(slowest)} ms (a SYN retransmission takes 1 s)`);
  } finally {
    server.child.kill();
  }
});
