// socketkit exporter's endpoint: the figures of a real listener read at each scrape, HELP and TYPE for every family,
// promtool's lint, OpenMetrics on request, and bad requests (unknown path, other methods, a slowloris, a failing
// read) answered without stopping the exporter; the command binds only where it is told.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import net from "node:net";
import { test } from "node:test";
import { parseListen } from "../../src/cli/exporter.js";
import { startExporter, type Exporter } from "../../src/cli/exporter/http.js";
import {
  escapeHelp,
  escapeLabel,
  exposition,
  LISTENER_FAMILIES,
  NAMESPACE_FAMILIES,
} from "../../src/cli/exporter/metrics.js";
import type { ListenersSnapshot } from "../../src/kernel/listener-snapshot.js";
import { wantsOpenMetrics } from "../../src/cli/exporter/negotiate.js";
import { snapshotListeners } from "../../src/kernel/listener-snapshot.js";
import { groupListeners } from "../../src/kernel/listeners.js";
import { E } from "../../src/libc/errno.js";
import { replaceSyscall } from "../../src/libc/syscalls.js";
import { Socket } from "../../src/index.js";
import { start } from "../helpers/cli.js";
import { within } from "../helpers/wait.js";

const HAVE_PROMTOOL = spawnSync("promtool", ["--version"]).status === 0;
/** What Prometheus 2.x sends (scrape.go's acceptHeader). */
const PROMETHEUS_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/** The value of `name{address,port}` in an exposition, or undefined. */
function valueOf(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function withExporter(body: (url: string, e: Exporter) => Promise<void>, timeoutMs?: number): Promise<void> {
  const e = await startExporter({ host: "127.0.0.1", port: 0, ports: [], headersTimeoutMs: timeoutMs });
  try {
    await body(`http://127.0.0.1:${e.address.port}`, e);
  } finally {
    await e.close();
  }
}

async function listener(backlog: number, queued: number) {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(backlog);
  const [, port] = server.getsockname();
  const clients = Array.from({ length: queued }, () => new Socket());
  for (const c of clients) await c.connect(["127.0.0.1", port]);
  return { port, clients, close: () => (clients.forEach((c) => c.close()), server.close()) };
}

test("a scrape reads the kernel then: a listener's queue, backlog and SYN-RECV, and HELP and TYPE for all", async () => {
  const l = await listener(3, 2);
  try {
    await withExporter(async (url) => {
      const res = await fetch(`${url}/metrics`);
      assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      const text = await res.text();
      const labels = `{address="127.0.0.1",port="${l.port}"}`;
      assert.equal(valueOf(text, "socketkit_listener_accept_queue", labels), 2);
      assert.equal(valueOf(text, "socketkit_listener_backlog", labels), 3);
      assert.equal(valueOf(text, "socketkit_listener_syn_recv", labels), 0);
      assert.equal(valueOf(text, "socketkit_listener_established", labels), 2);
      assert.equal(valueOf(text, "socketkit_listener_drops_total", labels), 0);
      const families = [...LISTENER_FAMILIES.map(([name]) => name), ...NAMESPACE_FAMILIES.map(([n]) => n)];
      for (const name of [...families, "socketkit_scrape_duration_seconds"]) {
        assert.match(text, new RegExp(`^# HELP ${name} \\S`, "m"), name);
        assert.match(text, new RegExp(`^# TYPE ${name} (gauge|counter)$`, "m"), name);
      }
      for (const [name] of NAMESPACE_FAMILIES) assert.match(text, new RegExp(`^# TYPE ${name} counter$`, "m"));
      assert.ok(valueOf(text, "socketkit_scrape_duration_seconds")! > 0);
      l.clients.push(new Socket());
      await l.clients.at(-1)!.connect(["127.0.0.1", l.port]);
      const again = await (await fetch(`${url}/metrics`)).text();
      assert.equal(valueOf(again, "socketkit_listener_accept_queue", labels), 3, "read again at the next scrape");
    });
  } finally {
    l.close();
  }
});

test(
  "promtool check metrics passes on a scrape",
  { skip: !HAVE_PROMTOOL && "needs promtool (Debian's prometheus)" },
  async () => {
    const l = await listener(4, 1);
    try {
      await withExporter(async (url) => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
        assert.equal(check.status, 0, check.stdout + check.stderr);
        assert.equal(check.stdout + check.stderr, "", "and has nothing to say about it");
      });
    } finally {
      l.close();
    }
  },
);

test("OpenMetrics when the scraper asks for it, as Prometheus does; the text format otherwise", async () => {
  assert.equal(wantsOpenMetrics(PROMETHEUS_ACCEPT), true);
  assert.equal(wantsOpenMetrics("application/openmetrics-text"), true);
  for (const accept of [
    undefined,
    "*/*",
    "text/plain",
    "text/html,*/*;q=0.8",
    "application/openmetrics-text;version=0.0.1",
  ])
    assert.equal(wantsOpenMetrics(accept), false, String(accept));
  assert.equal(wantsOpenMetrics("text/plain;q=1,application/openmetrics-text;q=0.5"), false);
  await withExporter(async (url) => {
    const res = await fetch(`${url}/metrics`, { headers: { accept: PROMETHEUS_ACCEPT } });
    assert.equal(res.headers.get("content-type"), "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert.equal(res.headers.get("vary"), "Accept");
    const text = await res.text();
    assert.match(text, /^# TYPE socketkit_tcp_listen_overflows counter\nsocketkit_tcp_listen_overflows_total \d+$/m);
    assert.ok(text.endsWith("# EOF\n"));
  });
});

test("the exposition: counters named per format, IPv6 labels, escapes, families without samples", () => {
  const [l] = groupListeners([
    {
      family: 6,
      state: "LISTEN",
      localAddress: "::1",
      localPort: 80,
      remoteAddress: "::",
      remotePort: 0,
      rqueue: 1,
      wqueue: 5,
      uid: 0,
      inode: 1,
      drops: 7,
    },
  ]);
  const snap: ListenersSnapshot = {
    at: 0,
    time: "",
    readSeconds: 0.25,
    listeners: [l!],
    namespaceCounters: { ListenOverflows: 3 },
  };
  const text = exposition(snap, "text");
  assert.match(
    text,
    /^# TYPE socketkit_listener_drops_total counter\nsocketkit_listener_drops_total\{address="::1",port="80"\} 7$/m,
  );
  assert.match(text, /^socketkit_listener_accept_queue\{address="::1",port="80"\} 1$/m);
  assert.match(text, /^socketkit_scrape_duration_seconds 0\.25$/m);
  assert.match(text, /^socketkit_tcp_syncookies_sent_total 0$/m, "a counter the kernel lacks reads 0");
  const open = exposition(snap, "openmetrics");
  assert.match(open, /^# TYPE socketkit_tcp_listen_overflows counter\nsocketkit_tcp_listen_overflows_total 3$/m);
  assert.ok(open.endsWith("\n# EOF\n") && !text.includes("# EOF"));
  const empty = exposition({ ...snap, listeners: [] }, "text");
  assert.match(empty, /^# TYPE socketkit_listener_backlog gauge\n# HELP socketkit_listener_syn_recv /m);
  assert.equal(escapeHelp('a\\b\n"c"', "text"), 'a\\\\b\\n"c"');
  assert.equal(escapeHelp('"c"', "openmetrics"), '\\"c\\"');
  assert.equal(escapeLabel('x"\\\n'), 'x\\"\\\\\\n');
});

test("unknown paths get 404, other methods 405 with Allow, HEAD the headers alone; the exporter goes on", async () => {
  await withExporter(async (url) => {
    assert.equal((await fetch(`${url}/nope`)).status, 404);
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      const res = await fetch(`${url}/metrics`, { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get("allow"), "GET, HEAD");
    }
    const head = await fetch(`${url}/metrics`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert.equal(await head.text(), "");
    assert.match(await (await fetch(url)).text(), /href="\/metrics"/);
    assert.equal((await fetch(`${url}/metrics`)).status, 200);
  });
});

test("a slowloris gets 408 and is closed while others are served; a failed read is a 500, then it recovers", async () => {
  await withExporter(async (url, e) => {
    const slow = net.connect(e.address.port, "127.0.0.1");
    let answer = "";
    slow.setEncoding("utf8").on("data", (d: string) => (answer += d));
    const closed = new Promise((r) => slow.on("close", r));
    slow.write("GET /metrics HTTP/1.1\r\nHost: x\r\n"); // and never the blank line that ends the headers
    assert.equal((await fetch(`${url}/metrics`)).status, 200, "served while the slow client hangs on");
    await within(10000, "the slow client to be closed", closed);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    const restore = replaceSyscall("socket", () => -E.EMFILE);
    try {
      const failed = await fetch(`${url}/metrics`);
      assert.equal(failed.status, 500);
      assert.match(await failed.text(), /reading the kernel failed: .*EMFILE|Too many open files/);
    } finally {
      restore();
    }
    assert.equal((await fetch(`${url}/metrics`)).status, 200);
  }, 500);
});

test("--listen: HOST:PORT, [IPv6]:PORT or PORT on loopback; an empty host is refused", () => {
  assert.deepEqual(parseListen("127.0.0.1:9464"), { host: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseListen("[::1]:9464"), { host: "::1", port: 9464 });
  assert.deepEqual(parseListen("9464"), { host: "127.0.0.1", port: 9464 });
  assert.throws(() => parseListen(":9464"), /--listen needs an address, e\.g\. 0\.0\.0\.0:9464/);
  assert.throws(() => parseListen("example.com:80"), /must be an IP address or localhost/);
  assert.throws(() => parseListen("127.0.0.1:99999"), /port must be a port number/);
});

test("the command serves only where it is told, IPv6 too, with address and port labels, and stops on SIGTERM", async () => {
  const run = start(["exporter", "--listen", "[::1]:0"]);
  try {
    const url = await within(
      30000,
      "the exporter to start",
      new Promise<string>((resolve) => {
        run.child.stdout.on("data", () => {
          const m = /serving (http:\/\/\S+)/.exec(run.stdout());
          if (m) resolve(m[1]!);
        });
      }),
    );
    const port = Number(/:(\d+)\/metrics$/.exec(url)![1]);
    const text = await (await fetch(url)).text();
    assert.match(text, new RegExp(`^socketkit_listener_backlog\\{address="::1",port="${port}"\\} \\d+$`, "m"));
    const own = snapshotListeners({ ports: [port], owners: false }).listeners.map((l) => l.key);
    assert.deepEqual(own, [`[::1]:${port}`], "listening on ::1 only");
    run.child.kill("SIGTERM");
    assert.equal(await within(10000, "the exporter to stop", run.exit), 0);
  } finally {
    run.child.kill("SIGKILL");
  }
  const taken = await listener(1, 0);
  try {
    const busy = start(["exporter", "--listen", `127.0.0.1:${taken.port}`]);
    assert.equal(await busy.exit, 1);
    assert.match(
      busy.stderr(),
      new RegExp(`^socketkit exporter: cannot listen on 127\\.0\\.0\\.1:${taken.port}: .*EADDRINUSE`),
    );
  } finally {
    taken.close();
  }
  const bad = start(["exporter", "--port", "0"]);
  assert.equal(await bad.exit, 2);
  assert.match(bad.stderr(), /--port must be a whole number from 1 to 65535, got 0/);
});
