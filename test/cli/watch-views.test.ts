// The two views of `socketkit watch` on made-up samples: they fit any width from 80 columns without wrapping (long
// addresses and owners cut, counters folded), a frame fits the terminal's height, Chinese is Chinese, and
// --fail-on conditions parse and judge each listening socket.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFailOn, crossings } from "../../src/cli/watch/fail-on.js";
import { clip, foldItems } from "../../src/cli/watch/cells.js";
import { block, QueueHistory } from "../../src/cli/watch/history.js";
import { listLines, renderList } from "../../src/cli/watch/list-view.js";
import { portLine, renderPort } from "../../src/cli/watch/port-view.js";
import type { ListenerRow, ListSample, PortSample } from "../../src/cli/watch/sample.js";
import { columns, type Lang, type View } from "../../src/lab/view.js";

function row(key: string, acceptQueue: number, backlog: number, sockets = 1): ListenerRow {
  const v6 = key.startsWith("[");
  const owners = [
    { pid: 4242, command: "a-server-with-a-long-name" },
    { pid: 4243, command: "worker" },
  ];
  return {
    family: v6 ? 6 : 4,
    address: v6 ? key.slice(1, key.lastIndexOf("]")) : key.slice(0, key.lastIndexOf(":")),
    port: Number(key.slice(key.lastIndexOf(":") + 1)),
    key,
    acceptQueue,
    backlog,
    synRecv: 3,
    established: 40,
    drops: 120,
    dropsPerSecond: 2.5,
    sockets: Array.from({ length: sockets }, (_, i) => ({
      inode: 100 + i,
      acceptQueue: i === 0 ? acceptQueue : 0,
      backlog,
      drops: 60,
      owners: [owners[i % 2]!],
    })),
    owners,
  };
}

const counters = {
  ListenOverflows: 123456,
  ListenDrops: 123460,
  TCPReqQFullDrop: 7,
  TCPReqQFullDoCookies: 0,
  SyncookiesSent: 0,
  SyncookiesRecv: 0,
  SyncookiesFailed: 0,
};

function listSample(n: number): ListSample {
  const listeners = [
    row("[2001:db8:85a3:1234:5678:8a2e:370:7334]:8443", 9, 8, 2),
    row("127.0.0.1:12345", 3, 128),
    ...Array.from({ length: n }, (_, i) => row(`10.0.0.${i}:${9000 + i}`, 0, 4096)),
  ];
  return {
    time: "2024-05-01T12:00:00.000Z",
    listeners,
    counters,
    ratePerSecond: { ListenOverflows: 2.5, ListenDrops: 2.5 },
    countersScope: "network namespace",
    crossed: [],
  };
}

function portSample(): PortSample {
  const listeners = [row("127.0.0.1:8443", 9, 8, 2), row("[::1]:8443", 0, 8)];
  return {
    ...listSample(0),
    listeners,
    port: 8443,
    listening: true,
    acceptQueue: 9,
    acceptQueueMax: 16,
    synRecv: 6,
    established: 80,
    owners: listeners[0]!.owners,
  };
}

const view = (lang: Lang, width: number): View => ({ lang, color: true, width });

function history(s: ListSample): QueueHistory {
  const h = new QueueHistory();
  for (let i = 0; i < 50; i++) h.record(s.listeners);
  return h;
}

for (const lang of ["en", "zh"] as const) {
  test(`watch's frames fit 80, 120 and 200 columns and the terminal's height, one header each (${lang})`, () => {
    const s = listSample(40);
    for (const width of [80, 120, 200]) {
      const list = renderList(view(lang, width), s, history(s), { width, height: 24, interval: 1 });
      const port = renderPort(view(lang, width), portSample(), history(s), { width, interval: 1 });
      for (const l of [...list, ...port]) assert.ok(columns(l) <= width, `${columns(l)} > ${width}: ${l}`);
      assert.ok(list.length <= 24, `${list.length} lines`);
      assert.equal(list.filter((l) => l.includes("socketkit watch ·")).length, 1);
      assert.match(list.join("\n"), lang === "en" ? /… \d+ more, less pressed/ : /… 另有 \d+ 个压力较小的监听/);
    }
    const wide = renderList(view(lang, 200), s, history(s), { width: 200, height: null, interval: 1 });
    assert.ok(
      wide.some((l) => l.includes("[2001:db8:85a3:1234:5678:8a2e:370:7334]:8443")),
      "wide: the whole address",
    );
    assert.equal(wide.filter((l) => /10\.0\.0\.\d+:9\d+/.test(l)).length, 40, "no height limit: every listener");
  });
}

test("the port view names ss -ltn's columns and shows each SO_REUSEPORT socket with its owner", () => {
  const text = renderPort(view("en", 80), portSample(), history(listSample(0)), { width: 80, interval: 1 }).join("\n");
  assert.match(text, /^ {2}ss -ltn: Recv-Q 9 is the accept queue, Send-Q 8 the backlog$/m);
  assert.match(text, /^ {2}socket 1: queue 9\/8 {2}drops 60 {2}a-server-with-a-long-name\[4242\]$/m);
  assert.match(text, /^ {2}socket 2: queue 0\/8 {2}drops 60 {2}worker\[4243\]$/m);
  assert.match(text, /^ {2}SYN-RECV 3 {3}established 40 {3}drops 120 \(\+2\.5\/s\)$/m);
  assert.match(text, /^ {2}ListenOverflows 123456 \(\+2\.5\/s\) {2}ListenDrops 123460 \(\+2\.5\/s\)/m);
});

/** What is left of a Chinese line once identifiers, numbers, addresses and times are taken out. */
function prose(line: string): string {
  return line
    .replace(/\x1b\[[0-9;]*m/g, "")
    .replace(/\d{4}-\d\d-\d\dT[\d:]+Z/g, "")
    .replace(/\[[0-9a-f:]+(\]:\d+|…)|\d+(\.\d+){3}:\d+|[\w-]+(\[\d+\]|…)/g, "") // addresses, owners, cut or not
    .replace(
      /(Listen|TCPReq|Syncookies)\w+|socketkit|watch|TcpExt|TCP|ss -ltn|Recv-Q|Send-Q|accept|backlog|SYN-RECV|socket|--json/g,
      "",
    );
}

test("--lang zh: every line of both views is Chinese, with full-width punctuation in its prose", () => {
  const s = listSample(3);
  const lines = [
    ...renderList(view("zh", 80), s, history(s), { width: 80, height: null, interval: 1 }),
    ...renderList(view("zh", 80), { ...s, listeners: [] }, history(s), { width: 80, height: null, interval: 1 }),
    ...renderPort(view("zh", 80), portSample(), history(s), { width: 80, interval: 1 }),
    ...renderPort(view("zh", 80), { ...portSample(), listening: false, listeners: [] }, history(s), {
      width: 80,
      interval: 1,
    }),
  ];
  for (const l of lines) {
    assert.doesNotMatch(prose(l), /[A-Za-z]{2,}/, `untranslated: ${l}`);
    assert.doesNotMatch(prose(l), /[,;:()]/, `ASCII punctuation in Chinese: ${l}`);
  }
  assert.ok(lines.some((l) => l.includes("（每秒 +2.5）")));
});

test("piped lines: key=value per listener and one for the namespace; the port view keeps its one line", () => {
  const lines = listLines(listSample(0));
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^2024-05-01T12:00:00\.000Z listener=127\.0\.0\.1:12345 acceptQueue=3\/128 synRecv=3 /);
  assert.match(lines[2]!, / ns\.ListenOverflows=123456 .* ns\.ListenOverflows\/s=2\.5/);
  assert.match(
    portLine(portSample()),
    /port=8443 acceptQueue=9\/16 synRecv=6 established=80 ns\.ListenOverflows=123456/,
  );
});

test("--fail-on: fields, numbers, factors and operators; each listening socket judged on its own queue", () => {
  const group = row("0.0.0.0:80", 9, 8, 2); // socket 1 full (9 of 8 + 1), socket 2 empty
  assert.deepEqual(
    crossings([group], [parseFailOn("acceptQueue>=backlog")]).map((c) => [c.inode, c.values]),
    [[100, { acceptQueue: 9, backlog: 8 }]],
  );
  assert.equal(crossings([group], [parseFailOn("acceptQueue >= 0.5 * backlog")]).length, 1);
  assert.equal(crossings([group], [parseFailOn("synRecv>2")]).length, 2, "SYN-RECV is the listener's: both");
  assert.equal(crossings([group], [parseFailOn("2<synRecv"), parseFailOn("established!=40")]).length, 2);
  assert.equal(crossings([group], [parseFailOn("drops==60")]).length, 2);
  for (const bad of ["acceptQueue", "queue>1", "acceptQueue=>1", "1<2", "acceptQueue>x*backlog"])
    assert.throws(() => parseFailOn(bad), /--fail-on must/, bad);
});

test("cells: cut with an ellipsis, colour reset, items folded whole; sparkline blocks by fill", () => {
  assert.equal(clip("abcdef", 4), "abc…");
  assert.equal(clip("\x1b[31mabcdef\x1b[0m", 4), "\x1b[31mabc…\x1b[0m");
  assert.equal(columns(clip("队列队列队列", 5)), 5);
  assert.deepEqual(foldItems(["aaa 1", "bbb 2", "ccc 3"], 14), ["  aaa 1  bbb 2", "  ccc 3"]);
  assert.deepEqual([block(0, 8), block(1, 8), block(9, 8), block(100, 8)], ["▁", "▂", "█", "█"]);
});
