// Seamless restart of `socketkit serve --handover PATH` under continuous connect load: the successor takes the
// listening socket (SCM_RIGHTS) on its own request or after SIGUSR2, the predecessor drains and exits, and no
// client is refused, reset or left without its reply.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { start, startServer } from "../../helpers/cli.js";
import { connectLoad, summarize, type Load } from "../../helpers/connect-load.js";
import { waitFor, within } from "../../helpers/wait.js";

const dir = mkdtempSync(join(tmpdir(), "socketkit-handover-"));
const successors = new Set<number>();
after(() => {
  // The SIGUSR2 successor is the server's child, not ours to wait for: end it by its pid.
  for (const pid of successors) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Clients at 800 per second (the issue asks for at least 500), bounded in count and time. */
function load(port: number): Load {
  return connectLoad({ port, rate: 800, maxClients: 12000, maxMs: 30000, maxInFlight: 128 });
}

/** Waits until `n` more clients than now have ended. */
async function moreOutcomes(l: Load, n: number, what: string): Promise<void> {
  const target = l.outcomes.length + n;
  await waitFor(what, () => (l.outcomes.length >= target ? true : undefined), 20000);
}

/** Reports the pace overall and during the hand-over (from `from` to `to`, performance.now() times). */
function report(
  t: { diagnostic(s: string): void },
  l: Load,
  counts: Record<string, number>,
  from: number,
  to: number,
): void {
  const starts = l.outcomes.map((o) => o.start);
  const pace = (a: number, b: number) => Math.round((starts.filter((s) => s >= a && s <= b).length / (b - a)) * 1000);
  const overall = pace(Math.min(...starts), Math.max(...starts));
  t.diagnostic(
    `${l.outcomes.length} clients, ${overall} connects/s overall, ${pace(from, to)}/s during the hand-over: ${JSON.stringify(counts)}`,
  );
}

test("a successor started with the same --handover takes the listener; under load none is refused, reset or unanswered", async (t) => {
  const path = join(dir, "request.sock");
  const a = await startServer(["--handover", path, "--reply-prefix", "A:", "--lang", "en"]);
  const l = load(a.port);
  try {
    await moreOutcomes(l, 500, "load on the first server");
    const from = performance.now();
    const b = start([
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--handover",
      path,
      "--reply-prefix",
      "B:",
      "--lang",
      "en",
      "--backlog",
      "7",
    ]);
    assert.equal(await within(20000, "the first server's exit", a.exit), 0);
    const to = performance.now();
    await moreOutcomes(l, 500, "load on the successor");
    l.stop();
    const counts = summarize(await within(30000, "the load", l.done));
    report(t, l, counts, from, to);
    assert.deepEqual(Object.keys(counts).sort(), ['answered "A:"', 'answered "B:"']);
    assert.match(
      b.stdout(),
      // The backlog the kernel reports for the predecessor's listener (its default 511), not the successor's --backlog.
      new RegExp(
        `Serving on 127\\.0\\.0\\.1:${a.port} \\(backlog 511, handed over by pid ${a.child.pid} to pid ${b.child.pid}; --backlog 7 applies only to a socket bound here\\)`,
      ),
    );
    assert.match(a.stdout(), new RegExp(`hand-over: pid ${b.child.pid} serves the listener now; draining`));
    b.child.kill("SIGTERM");
    assert.equal(await within(10000, "the successor's exit", b.exit), 0);
  } finally {
    l.stop();
    a.child.kill("SIGKILL");
  }
});

test("SIGUSR2 starts a successor with the same arguments, which takes over without a failed exchange", async (t) => {
  const path = join(dir, "usr2.sock");
  const a = await startServer(["--handover", path, "--lang", "en", "--reply-prefix", "R:"]);
  const exited = new Promise<number | null>((r) => a.child.on("exit", r));
  const l = load(a.port);
  try {
    await moreOutcomes(l, 300, "load before SIGUSR2");
    const from = performance.now();
    a.child.kill("SIGUSR2");
    const pid = await waitFor("the successor's pid", () => /started successor pid (\d+)/.exec(a.stdout())?.[1]);
    successors.add(Number(pid));
    assert.equal(await within(20000, "the first server's exit", exited), 0);
    const to = performance.now();
    await moreOutcomes(l, 300, "load after the hand-over");
    l.stop();
    const counts = summarize(await within(30000, "the load", l.done));
    report(t, l, counts, from, to);
    assert.deepEqual(counts, { 'answered "R:"': l.outcomes.length });
    // The successor writes to the same output (it inherited it), and now owns the hand-over path.
    assert.match(a.stdout(), new RegExp(`\\(backlog 511, handed over by pid ${a.child.pid} to pid ${pid}\\)`));
    process.kill(Number(pid), "SIGTERM");
    await waitFor(
      "the successor's exit",
      () => (/Server closed[^]*Server closed/.test(a.stdout()) ? true : undefined),
      10000,
    );
    successors.delete(Number(pid));
  } finally {
    l.stop();
    a.child.kill("SIGKILL");
  }
});
