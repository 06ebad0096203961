// socketkit serve --workers: two processes on one port (SO_REUSEPORT or one inherited listening socket), log lines tagged with the worker, a worker
// killed with SIGKILL restarted, and one graceful stop for all on SIGTERM with exit code 0.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runClient, startServer } from "../helpers/cli.js";
import { childrenOf, isAlive, killAll } from "../helpers/processes.js";
import { waitFor } from "../helpers/wait.js";

const PREFIX = "服务端收到, 你发的消息是: ";

for (const share of ["reuseport", "inherit"])
  test(`serve --workers 2 --share ${share}: tagged log lines, a killed worker restarted, SIGTERM stops all gracefully with exit 0`, async () => {
    const server = await startServer(["--workers", "2", "--share", share]);
    const seen = new Set<number>();
    try {
      await waitFor(
        "both workers serving",
        () =>
          /\[worker 1\] Serving/.test(server.stdout()) && /\[worker 2\] Serving/.test(server.stdout())
            ? true
            : undefined,
        30_000,
      );
      const workers = childrenOf(server.child.pid!);
      workers.forEach((pid) => seen.add(pid));
      assert.equal(workers.length, 2);

      const r = await runClient(server.port, "hello\n");
      assert.equal(r.stdout, `${PREFIX}hello\nBye~~~\n`);
      await waitFor("a tagged message line", () =>
        /^\[worker [12]\] Message from \('127\.0\.0\.1', \d+\): hello$/m.test(server.stdout()) ? true : undefined,
      );

      process.kill(workers[0]!, "SIGKILL");
      await waitFor(
        "the restart",
        () =>
          /^\[worker \d\] pid \d+ was killed by SIGKILL; starting another/m.test(server.stdout()) ? true : undefined,
        30_000,
      );
      await waitFor(
        "two workers again",
        () => {
          const now = childrenOf(server.child.pid!);
          now.forEach((pid) => seen.add(pid));
          return now.length === 2 && !now.includes(workers[0]!) ? true : undefined;
        },
        30_000,
      );
      await waitFor(
        "the new worker serving",
        () => (server.stdout().match(/^\[worker [12]\] Serving/gm)?.length === 3 ? true : undefined),
        30_000,
      );
      assert.equal((await runClient(server.port, "again\n")).stdout, `${PREFIX}again\nBye~~~\n`);

      const final = childrenOf(server.child.pid!);
      server.child.kill("SIGTERM");
      assert.equal(await server.exit, 0, server.stderr());
      const log = server.stdout();
      assert.equal(log.match(/^\[worker [12]\] Server closed$/gm)?.length, 2, log);
      assert.match(log, /^Server closed$/m);
      for (const pid of final) await waitFor(`worker ${pid} gone`, () => (isAlive(pid) ? undefined : true));
    } finally {
      killAll([...seen].filter(isAlive));
      server.child.kill("SIGKILL");
    }
  });
