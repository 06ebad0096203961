// The exporter scraped by a real Prometheus (Debian's package), in a private network namespace so that its
// TcpExt counters are this test's alone: a bounded burst overflows a listener, and Prometheus's own API shows the
// accept-queue gauge at backlog + 1, the overflow counter equal to the kernel's, and docs' alert rule pending.
// Sequential: a Prometheus server and a burst that must not share the machine's two cores with other tests.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readCounters } from "../../../src/kernel/counters.js";
import { withNamespace } from "../../../src/libc/netns.js";
import { Socket } from "../../../src/index.js";
import { ROOT, start, type Run } from "../../helpers/cli.js";
import { killAll } from "../../helpers/processes.js";
import { waitFor, within } from "../../helpers/wait.js";

const has = (cmd: string, arg = "--version") => spawnSync(cmd, [arg]).status === 0;
const SKIP =
  !has("prometheus") || !has("promtool")
    ? "needs Debian's prometheus and promtool"
    : process.getuid?.() !== 0
      ? "needs root for a private network namespace, whose counters are then the test's alone"
      : !has("nsenter") || !has("setpriv")
        ? "needs util-linux's nsenter and setpriv"
        : false;

const BACKLOG = 4;
const EXTRA = 6;
const RULES = join(ROOT, "docs/prometheus/socketkit-alerts.yml");

/** A network namespace held by a `sleep` that dies with this process; loopback up. */
async function privateNamespace(): Promise<{ pid: number; fd: number; close: () => void }> {
  const script = "ip link set lo up && echo up && exec sleep 600";
  const holder = spawn("unshare", ["--net", "--", "setpriv", "--pdeathsig", "KILL", "--", "sh", "-c", script]);
  await within(10000, "the namespace", new Promise((r) => holder.stdout.once("data", r)));
  const fd = openSync(`/proc/${holder.pid}/ns/net`, "r");
  return { pid: holder.pid!, fd, close: () => (closeSync(fd), killAll([holder.pid!])) };
}

/** Runs `command` inside the namespace, killed with this process if the test dies first. */
function startIn(ns: { pid: number }, command: string[], args: string[]): Run {
  return start(args, [
    "nsenter",
    `--net=/proc/${ns.pid}/ns/net`,
    "--",
    "setpriv",
    "--pdeathsig",
    "KILL",
    "--",
    ...command,
  ]);
}

/** GET `path` from 127.0.0.1:`port` inside the namespace (HTTP/1.0, read to the end). */
async function get(nsFd: number, port: number, path: string): Promise<{ status: number; body: string }> {
  const s = withNamespace(nsFd, () => new Socket());
  try {
    await s.connect(["127.0.0.1", port]);
    await s.sendall(Buffer.from(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`));
    const chunks: Buffer[] = [];
    for (let b = await s.recv(65536); b.length > 0; b = await s.recv(65536)) chunks.push(b);
    const text = Buffer.concat(chunks).toString("utf8");
    return { status: Number(text.split(" ")[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  } finally {
    s.close();
  }
}

interface Vector {
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/** The port a socket bound in the namespace gets from the kernel: free there, as the whole namespace is ours. */
const freePortIn = (nsFd: number) =>
  withNamespace(nsFd, () => {
    const s = new Socket();
    s.bind(["127.0.0.1", 0]);
    const [, port] = s.getsockname();
    s.close();
    return port;
  });

test(
  "Prometheus scrapes the exporter through an overflow: backlog + 1, the kernel's count, the alert",
  { skip: SKIP },
  async () => {
    const ns = await privateNamespace();
    const dir = mkdtempSync(join(tmpdir(), "socketkit-prometheus-"));
    const runs: Run[] = [];
    const sockets: Socket[] = [];
    try {
      const exporter = startIn(ns, [process.execPath, "bin/socketkit.js"], ["exporter", "--listen", "127.0.0.1:0"]);
      runs.push(exporter);
      const exporterPort = Number(
        await waitFor("the exporter", () => /127\.0\.0\.1:(\d+)\/metrics/.exec(exporter.stdout())?.[1], 30000),
      );
      const promPort = freePortIn(ns.fd);
      writeFileSync(
        join(dir, "prometheus.yml"),
        `global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: ["${RULES}"]\n` +
          `scrape_configs:\n  - job_name: socketkit\n    static_configs: [{ targets: ["127.0.0.1:${exporterPort}"] }]\n`,
      );
      const prometheus = startIn(
        ns,
        ["prometheus"],
        [
          `--config.file=${join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          "--log.level=warn",
        ],
      );
      runs.push(prometheus);
      const query = async (expr: string) => {
        const r = await get(ns.fd, promPort, `/api/v1/query?query=${encodeURIComponent(expr)}`).catch(() => null);
        if (r?.status !== 200) return undefined;
        return (JSON.parse(r.body) as Vector).data.result.map((x) => Number(x.value[1]));
      };
      const bounded = async (what: string, probe: () => Promise<boolean>) => {
        const deadline = performance.now() + 60000;
        while (!(await probe())) {
          if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}: ${prometheus.stderr()}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      };
      await bounded("a first scrape", async () => (await query("socketkit_tcp_listen_overflows_total"))?.[0] === 0);

      // The burst: backlog + 1 connections fill the queue, EXTRA more are dropped at the SYN and retry.
      const server = withNamespace(ns.fd, () => new Socket());
      sockets.push(server);
      server.bind(["127.0.0.1", 0]);
      server.listen(BACKLOG);
      const [, port] = server.getsockname();
      const clients = Array.from({ length: BACKLOG + 1 + EXTRA }, () => withNamespace(ns.fd, () => new Socket()));
      sockets.push(...clients);
      for (const c of clients.slice(0, BACKLOG + 1)) await c.connect(["127.0.0.1", port]);
      for (const c of clients.slice(BACKLOG + 1)) void c.connect(["127.0.0.1", port]).catch(() => undefined);

      const labels = `{address="127.0.0.1",port="${port}"}`;
      await bounded(
        "the gauge at backlog + 1",
        async () => (await query(`socketkit_listener_accept_queue${labels}`))?.[0] === BACKLOG + 1,
      );
      assert.deepEqual(await query(`socketkit_listener_backlog${labels}`), [BACKLOG]);
      await bounded("the docs' alert rule to see it", async () => {
        const r = await get(ns.fd, promPort, "/api/v1/alerts");
        const alerts = (
          JSON.parse(r.body) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }
        ).data.alerts;
        return alerts.some((a) => a.labels.alertname === "SocketkitAcceptQueueFull" && a.labels.port === String(port));
      });
      const scrape = await get(ns.fd, exporterPort, "/metrics");
      const lint = spawnSync("promtool", ["check", "metrics"], { input: scrape.body, encoding: "utf8" });
      assert.equal(lint.status, 0, lint.stdout + lint.stderr);

      // Closing the waiting clients ends their SYN retransmissions: the kernel's count stops, Prometheus catches up.
      for (const c of clients.slice(BACKLOG + 1)) c.close();
      const kernel = readCounters(`/proc/${ns.pid}`)["TcpExt.ListenOverflows"]!;
      assert.ok(kernel >= EXTRA, `each of the ${EXTRA} extra SYNs overflowed at least once: ${kernel}`);
      await bounded(
        `the counter at the kernel's ${kernel}`,
        async () => (await query("socketkit_tcp_listen_overflows_total"))?.[0] === kernel,
      );
      assert.equal(readCounters(`/proc/${ns.pid}`)["TcpExt.ListenOverflows"], kernel, "and the kernel's stayed put");
    } finally {
      for (const s of sockets) s.close();
      killAll(runs.map((r) => r.child.pid!));
      await Promise.all(runs.map((r) => within(10000, "a child to exit", r.exit)));
      ns.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
