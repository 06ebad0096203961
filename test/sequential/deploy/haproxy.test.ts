// HAProxy (the distribution's package) in front of three `socketkit serve --proxy-protocol` instances, run with
// docs/deploy/haproxy.cfg (free ports in place of its own): every client is answered and logged with its own
// port, and when one instance is killed under load, only the exchanges HAProxy had sent to it fail.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePort } from "../../helpers/ports.js";
import { ROOT, startServer, type Run } from "../../helpers/cli.js";
import { connectLoad, summarize } from "../../helpers/connect-load.js";
import { waitFor, within } from "../../helpers/wait.js";

const HAVE_HAPROXY = spawnSync("haproxy", ["-v"]).status === 0;
const SKIP = HAVE_HAPROXY ? false : "HAProxy is not installed (apt-get install haproxy; .ci/run installs it).";

const dir = mkdtempSync(join(tmpdir(), "socketkit-haproxy-"));
const haproxies = new Set<ChildProcess>();
after(() => {
  for (const child of haproxies) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

interface Cluster {
  port: number;
  instances: Array<Run & { port: number }>;
  log: () => string;
  stop: () => void;
}

/** Three instances and HAProxy configured by docs/deploy/haproxy.cfg, with our ports. */
async function cluster(): Promise<Cluster> {
  const instances = await Promise.all(
    [1, 2, 3].map((i) => startServer(["--proxy-protocol", "--reply-prefix", `s${i}:`, "--lang", "en"])),
  );
  const port = freePort();
  const ports = instances.map((s) => s.port);
  const config = readFileSync(join(ROOT, "docs/deploy/haproxy.cfg"), "utf8")
    .replace("bind 127.0.0.1:8000", `bind 127.0.0.1:${port}`)
    .replace(/server s(\d) 127\.0\.0\.1:\d+/g, (_m, n: string) => `server s${n} 127.0.0.1:${ports[Number(n) - 1]}`);
  const file = join(dir, `haproxy-${port}.cfg`);
  writeFileSync(file, config);
  const child = spawn("haproxy", ["-db", "-f", file], { cwd: dir });
  haproxies.add(child);
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.on("exit", () => haproxies.delete(child));
  // Ready when a client gets through.
  await waitFor(
    "HAProxy answering",
    () => (/ socketkit\/s\d .* --$/m.test(out) ? true : (void probeOnce(port), undefined)),
    20000,
    200,
  );
  return {
    port,
    instances,
    log: () => out,
    stop: () => {
      child.kill("SIGKILL");
      for (const s of instances) s.child.kill("SIGKILL");
    },
  };
}

function probeOnce(port: number): Promise<void> {
  const l = connectLoad({ port, rate: 1000, maxClients: 1, maxMs: 1000, clientTimeoutMs: 2000 });
  return l.done.then(() => undefined);
}

/** Client ports each instance logged as connected. */
function loggedPorts(run: Run): Set<number> {
  return new Set([...run.stdout().matchAll(/Client \('127\.0\.0\.1', (\d+)\) connected/g)].map((m) => Number(m[1])));
}

/** HAProxy's log: client port → the server that served it (from log-format "%ci:%cp %b/%s …"). */
function servedBy(log: string): Map<number, string> {
  return new Map([...log.matchAll(/^127\.0\.0\.1:(\d+) socketkit\/(\S+) /gm)].map((m) => [Number(m[1]), m[2]!]));
}

test(
  "1,000 clients through HAProxy with send-proxy-v2 are all answered, and the instances log the clients' own ports",
  { skip: SKIP },
  async (t) => {
    const c = await cluster();
    try {
      const l = connectLoad({ port: c.port, rate: 2000, maxClients: 1000, maxMs: 60000, maxInFlight: 50 });
      const outcomes = await within(90000, "1,000 clients", l.done);
      const counts = summarize(outcomes);
      t.diagnostic(JSON.stringify(counts));
      assert.equal(outcomes.length, 1000);
      assert.deepEqual(Object.keys(counts).sort(), ['answered "s1:"', 'answered "s2:"', 'answered "s3:"']);
      // The reply's prefix names the instance that answered; its log has the client's own port (a port may come
      // round again for a later client, so each client is looked up in the log of the instance that answered it).
      // An instance's log reaches this process through a pipe, read on this event loop like the clients' replies,
      // so the last lines may arrive after the last reply: wait for them, then check every client.
      const missing = () => {
        const logged = c.instances.map(loggedPorts);
        return outcomes.filter((o) => !logged[Number(o.prefix.slice(1, 2)) - 1]!.has(o.localPort));
      };
      await waitFor(
        () => `the log lines of ${missing().length} clients`,
        () => (missing().length === 0 ? true : undefined),
      ).catch(() => undefined);
      const unlogged = missing().map(
        (o) => `client port ${o.localPort} missing from the log of s${o.prefix.slice(1, 2)}`,
      );
      assert.deepEqual(unlogged, []);
    } finally {
      c.stop();
    }
  },
);

test(
  "SIGKILL on one instance under load: only exchanges HAProxy had sent to it fail; new clients go to the others",
  { skip: SKIP },
  async (t) => {
    const c = await cluster();
    try {
      const l = connectLoad({ port: c.port, rate: 300, maxClients: 6000, maxMs: 30000, maxInFlight: 64 });
      await waitFor("load", () => (l.outcomes.length >= 300 ? true : undefined), 20000);
      const victim = c.instances[1]!;
      victim.child.kill("SIGKILL");
      await waitFor(
        "HAProxy's check taking s2 out",
        () => (/Server socketkit\/s2 is DOWN/.test(c.log()) ? true : undefined),
        20000,
      );
      const down = performance.now();
      const startedAfter = () => l.outcomes.filter((o) => o.start > down).length;
      await waitFor(
        "500 clients that started after s2 was out",
        () => (startedAfter() >= 500 ? true : undefined),
        30000,
      );
      l.stop();
      const outcomes = await within(30000, "the load", l.done);
      // HAProxy logs a session when it ends. One it had sent to the killed instance ends at HAProxy's own timeouts
      // at the latest (timeout server 30 s in docs/deploy/haproxy.cfg), so the guard lies past that: this waits
      // for the log lines, it does not time them. Only the failed clients' lines are needed (to say which instance
      // failed them): HAProxy's stdout log drops a line when the pipe is momentarily full, and one answered client's
      // lost line must not fail the test.
      await waitFor(
        "HAProxy's log of every failed client",
        () =>
          outcomes.every((o) => o.result === "answered" || o.localPort === 0 || servedBy(c.log()).has(o.localPort))
            ? true
            : undefined,
        45000,
      );
      const served = servedBy(c.log());
      const failed = outcomes.filter((o) => o.result !== "answered");
      t.diagnostic(
        `${outcomes.length} clients: ${JSON.stringify(summarize(outcomes))}; failed on: ${JSON.stringify([...new Set(failed.map((o) => served.get(o.localPort)))])}`,
      );
      for (const o of failed)
        assert.equal(
          served.get(o.localPort),
          "s2",
          `failed client ${o.localPort} (${o.result}) was on the killed instance`,
        );
      const after = outcomes.filter((o) => o.start > down);
      for (const o of after) {
        assert.equal(o.result, "answered");
        assert.notEqual(served.get(o.localPort), "s2");
      }
      assert.ok(outcomes.some((o) => o.prefix === "s1:") && outcomes.some((o) => o.prefix === "s3:"));
    } finally {
      c.stop();
    }
  },
);
