// Every lab experiment on the running kernel: its claims, each read from the run's own records, agree with each
// other and with the model — and the tests hold the printed findings against the packets themselves. Experiments
// that need a delay line or namespaces of their own need root: CI runs them, elsewhere they skip.
// Sequential (test/sequential): the experiments provoke the kernel's timers, and their schedules assume a machine that
// is not also running the rest of the suite. Their assertions are about causes — counts, states, which packets
// crossed — never about how long something took.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IPPROTO_TCP, TCP_INFO } from "../../../src/libc/constants.js";
import { isRoot } from "../../../src/libc/platform.js";
import { replaceSyscall, sys } from "../../../src/libc/syscalls.js";
import { runInPrivateNetns } from "../../../src/lab/private-namespace.js";
import { runExperiment, type ResultOf } from "../../../src/lab/registry.js";
import type { LabCase, SimRecord } from "../../../src/lab/result.js";
import { start } from "../../helpers/cli.js";
import { within } from "../../helpers/wait.js";

/** tcp_info's first byte, the state (include/net/tcp_states.h). */
const [TCP_ESTABLISHED, TCP_SYN_SENT] = [1, 2];
const needsRoot = isRoot() ? false : "needs root to create private network namespaces (CI runs it as root)";
const agree = { agree: true, differences: [] };

/** Runs `socketkit <args> --json` and parses what it printed. */
async function json<T>(args: string[], ms = 30000): Promise<T> {
  const run = start([...args, "--json"]);
  const code = await within(ms, args.join(" "), run.exit);
  const verdict = () => {
    try {
      return JSON.stringify((JSON.parse(run.stdout()) as { verdict: unknown }).verdict);
    } catch {
      return run.stdout().slice(0, 2000);
    }
  };
  assert.equal(code, 0, `${args.join(" ")}: ${run.stderr()} ${verdict()}`);
  return JSON.parse(run.stdout()) as T;
}

/** What `lab` and `sim` share of a case: the case keys and the prediction, which must be equal for equal options. */
function shared(cases: ReadonlyArray<{ setting: object; label: string; predicted: object }>) {
  return cases.map((c) => ({ setting: c.setting, label: c.label, predicted: c.predicted }));
}

test(
  "lab backlog for backlogs 0, 1, 5 and 128: the kernel's counts, and every claim holds",
  { skip: needsRoot },
  async () => {
    for (const backlog of [0, 1, 5, 128]) {
      const clients = backlog + 4;
      const r = await within(20000, `lab backlog ${backlog}`, runInPrivateNetns("backlog", { backlog, clients }));
      assert.deepEqual([r.options.backlog, r.options.clients], [backlog, clients]);
      const m = r.cases[0]!.measured;
      assert.equal(m.established, backlog + 1, "min(backlog, somaxconn) + 1 completed with no accept()");
      assert.equal(m.synSent, 3);
      assert.equal(m.listenOverflows, 3);
      assert.ok((r.settings.somaxconn ?? 0) >= 128);
      assert.deepEqual(r.verdict, agree);
      // Each waiting client got in at its first SYN retransmission, as its own tcp_info and the packets count.
      assert.equal(m.retransmissions, `0 ×${backlog + 1}, 1 ×3`);
      assert.ok(r.cases[0]!.evidence.series.length >= 2, "the queues were sampled for the chart");
    }
  },
);

test(
  "runInPrivateNetns sets its sysctls inside the namespace only: listen(20) there is capped by somaxconn 7",
  { skip: needsRoot },
  async () => {
    const host = readFileSync("/proc/sys/net/core/somaxconn", "utf8");
    const r = await within(
      20000,
      "lab backlog in a namespace",
      runInPrivateNetns("backlog", { backlog: 20, clients: 10 }, { "net.core.somaxconn": 7 }),
    );
    assert.equal(r.settings.somaxconn, 7);
    assert.equal(r.cases[0]!.measured.established, 8, "min(20, 7) + 1 completed with no accept()");
    assert.equal(readFileSync("/proc/sys/net/core/somaxconn", "utf8"), host, "the host's somaxconn is untouched");
  },
);

test("lab handshake: connect() completes before accept(), the queue goes 0 → 1 → 0 at the final ACK", async () => {
  const r = await runExperiment("handshake");
  const c = r.cases[0]!;
  assert.deepEqual(c.measured, {
    connectBeforeAccept: "yes",
    queueBeforeConnect: 0,
    queueAfterConnect: 1,
    queueAfterAccept: 0,
  });
  assert.deepEqual(r.verdict, agree);
  assert.match(c.evidence.steps[1]!.sockets.client!, /laddr=\('[\d.]+', \d+\), raddr=\('[\d.]+', \d+\)>$/);
  assert.ok(!("accepted" in c.evidence.steps[1]!.sockets), "no accepted socket exists before accept()");
  if (isRoot()) {
    const packets = c.evidence.packets!;
    assert.deepEqual(
      packets.slice(0, 3).map((p) => `${p.from} ${p.kind} ${p.acceptQueue?.before}→${p.acceptQueue?.after}`),
      ["client SYN 0→0", "server SYN-ACK 0→0", "client ACK 0→1"],
      "the connection enters the accept queue at the final ACK, not at the SYN-ACK",
    );
    const steps = c.evidence.timeline;
    const returned = steps.find((s) => s.what === "connect() returned")!;
    assert.ok(returned.t >= packets[2]!.t, "connect() is shown returning after the ACK its kernel sent");
  }
});

test("lab early-close: the closed connection waits in the accept queue and is still accepted with its bytes", async () => {
  // As root it runs in a namespace of its own, over a delay line; elsewhere on this namespace's loopback.
  const r = isRoot()
    ? await runInPrivateNetns("early-close", { hold: 1000 })
    : await runExperiment("early-close", { hold: 1000 });
  assert.deepEqual(r.cases[0]!.measured, {
    serverState: "CLOSE-WAIT",
    clientState: "FIN-WAIT-2",
    queuedAfterHold: 1,
    acceptReturnsIt: "yes",
    bytesThenEof: "yes",
  });
  assert.deepEqual(r.verdict, agree);
});

test("socketkit lab handshake reads as a story: steps, reprs, the sequence, field notes, the claims and a verdict", async () => {
  const run = start(["lab", "handshake"]);
  assert.equal(await within(15000, "lab handshake", run.exit), 0, run.stderr());
  const out = run.stdout();
  assert.match(out, /connect\(\) has returned; the server has not called accept\(\)\s+\(accept queue: 1\)/);
  assert.match(out, /✓ connect\(\) returned before the server called accept\(\) {2}\[connect\(\)/);
  assert.match(out, /raddr {3}the remote address/);
  assert.match(out, /Verdict: all 4 claims hold/);
  if (isRoot()) assert.match(out, /\|ACK :\d+ ─+▶ *\| accept queue 0 → 1/);
});

test(
  "lab overflow: a SYN at a really full accept queue is dropped — no SYN-ACK, no RST — and the ladder agrees",
  { skip: needsRoot },
  async () => {
    const r = await json<ResultOf<"overflow">>(["lab", "overflow"], 40000);
    const [keep, reset] = r.cases;
    assert.equal(keep!.measured.connected, 6);
    assert.equal(keep!.measured.reset, 0);
    assert.ok(keep!.measured.neverAccepted >= 1, "a syncookie client believes it is connected but is never accepted");
    assert.ok(reset!.measured.reset >= 1, "with tcp_abort_on_overflow=1 the first recv() is reset");
    for (const c of r.cases) {
      assert.equal(c.measured.lateSyn, "dropped");
      // The claim, held against the packets themselves: the late SYN met a queue of backlog + 1, and nothing came
      // back to that client before it retransmitted.
      const latePort = c.evidence.markers.find((m) => m.kind === "late SYN")!.port!;
      const syns = c.evidence.packets!.filter((p) => p.from === "client" && p.kind === "SYN" && p.srcPort === latePort);
      assert.ok(syns.length >= 2, "it retransmitted its SYN");
      assert.equal(syns[0]!.acceptQueue!.before, r.options.backlog + 1, "the queue was really full");
      const answers = c.evidence.packets!.filter((p) => p.from === "server" && p.dstPort === latePort);
      assert.ok(
        answers.every((p) => p.t > syns[1]!.t),
        "no SYN-ACK and no RST before its retransmission",
      );
      assert.ok(Math.max(...c.evidence.series.map((s) => s.acceptQueue)) === r.options.backlog + 1);
    }
    assert.deepEqual(r.verdict, agree);
    const sim = await json<SimRecord>(["sim", "overflow"]);
    assert.deepEqual(shared(r.cases), shared(sim.cases), "the lab's predicted is the sim's for the same options");
  },
);

test("lab synqueue: what bounds SYN-RECV with tcp_syncookies 0, 1 and 2", { skip: needsRoot }, async () => {
  const r = await within(30000, "lab synqueue", runExperiment("synqueue"));
  for (const c of r.cases)
    assert.ok(
      c.evidence.series.some((s) => s.synRecv === c.measured.synRecv),
      "the chart saw the depth that was counted",
    );
  const [none, on, always] = r.cases;
  const { backlog, clients } = r.options;
  assert.ok(none!.measured.listenDrops > 0, "without cookies, SYNs beyond the queue are dropped");
  assert.equal(on!.measured.synRecv, backlog + 1, "min(backlog, somaxconn) + 1 requests");
  assert.equal(on!.measured.cookiesSent, clients - backlog - 1);
  assert.equal(always!.measured.synRecv, 0);
  assert.equal(always!.measured.cookiesSent, clients);
  assert.deepEqual(r.verdict, agree);
});

test(
  "lab backlog --drain-at 12 --json: SYN retransmits at the kernel's linear schedule, ListenOverflows P, 2P, 3P…",
  { skip: needsRoot },
  async () => {
    const r = await json<ResultOf<"backlog">>(["lab", "backlog", "--drain-at", "12"], 40000);
    const c = r.cases[0]!;
    // The schedule the model derives from this kernel's tcp_syn_linear_timeouts (4 unless changed): 1 s steps for
    // the first five retransmissions, then doubling.
    const linear = r.settings.tcpSynLinearTimeouts;
    if (linear === 4) assert.deepEqual(c.predicted.synRetransmitsAtS, [1, 2, 3, 4, 5, 7, 11]);
    for (const evidence of ["packets", "tcp_info"]) {
      const reading = c.claims
        .find((x) => x.key === "synRetransmitsAtS")!
        .readings.find((x) => x.evidence === evidence);
      const times = reading!.value as number[];
      assert.equal(times.length, c.predicted.synRetransmitsAtS.length, `${evidence}: every retransmission`);
      // The timer wheel fires up to 1/8 of a timeout late, and the lateness adds up along the schedule.
      times.forEach((t, i) =>
        assert.ok(Math.abs(t - c.predicted.synRetransmitsAtS[i]!) <= 0.2 + t / 8, `${evidence}: ${t}`),
      );
    }
    assert.deepEqual(c.measured.overflowsByRound, c.predicted.overflowsByRound);
    const p = c.measured.synSent;
    assert.deepEqual(c.measured.overflowsByRound.slice(0, 3), [p, 2 * p, 3 * p]);
    assert.equal(c.measured.joined, p, "the waiting clients entered after the drain, at their next retransmission");
    assert.deepEqual(r.verdict, agree);
  },
);

test("a contradiction seeded through the syscall table (tcp_info lying about SYN-SENT) makes the verdict disagree", async () => {
  // getsockopt(TCP_INFO) reports every SYN-SENT socket as ESTAB: the clients' tcp_info now contradicts the
  // listener's sock_diag (and the packets, as root), which the claims must say.
  const real = sys.getsockopt;
  const restore = replaceSyscall("getsockopt", (fd, level, name, value, len) => {
    const r = real(fd, level, name, value, len);
    if (r === 0 && level === IPPROTO_TCP && name === TCP_INFO && value[0] === TCP_SYN_SENT) value[0] = TCP_ESTABLISHED;
    return r;
  });
  let r: ResultOf<"backlog">;
  try {
    r = await within(20000, "lab backlog with a lying tcp_info", runExperiment("backlog", { backlog: 0, clients: 3 }));
  } finally {
    restore();
  }
  const established = r.cases[0]!.claims.find((c) => c.key === "established")!;
  assert.equal(established.agree, false);
  assert.match(established.differences[0]!, /^tcp_info read 3 but sock_diag read 1$/);
  assert.equal(r.verdict.agree, false);
});

test(
  "lab backlog --pcap: tcpdump -r reads every SYN, SYN-ACK and ACK the delay line logged, both directions",
  { skip: needsRoot },
  async () => {
    if (spawnSync("tcpdump", ["--version"]).status !== 0) return; // .ci/run installs tcpdump
    const dir = mkdtempSync(join(tmpdir(), "socketkit-pcap-"));
    try {
      const file = join(dir, "f.pcap");
      const r = await json<ResultOf<"backlog">>(["lab", "backlog", "--pcap", file]);
      const read = spawnSync("tcpdump", ["-r", file, "-n", "tcp"], { encoding: "utf8" });
      assert.equal(read.status, 0, read.stderr);
      const kinds: Record<string, string> = { S: "SYN", "S.": "SYN-ACK", ".": "ACK", "R.": "RST", R: "RST" };
      const fromDump = read.stdout
        .trim()
        .split("\n")
        .map((l) => /IP [\d.]+\.(\d+) > [\d.]+\.(\d+): Flags \[([^\]]+)\].*length (\d+)/.exec(l)!)
        .filter((m) => kinds[m[3]!] !== undefined && m[4] === "0")
        .map((m) => `${kinds[m[3]!]} ${m[1]}>${m[2]}`);
      const logged = (r.cases[0] as LabCase).evidence
        .packets!.filter((p) => ["SYN", "SYN-ACK", "ACK", "RST"].includes(p.kind))
        .map((p) => `${p.kind} ${p.srcPort}>${p.dstPort}`);
      assert.ok(logged.filter((k) => k.startsWith("SYN ")).length >= r.options.clients);
      assert.deepEqual(fromDump.sort(), logged.sort(), "the file holds what the line logged, packet for packet");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("lab X --json and sim X --json share their shape; the lab's predicted is the sim's", async () => {
  for (const [name, options] of [
    ["backlog", ["--backlog", "2", "--clients", "4"]],
    ["handshake", []],
    ["early-close", ["--hold", "200"]],
    ...(isRoot() ? [["synqueue", []] as [string, string[]]] : []),
  ] as Array<[string, string[]]>) {
    const lab = await json<{ source: string; cases: LabCase[]; verdict: object }>(["lab", name, ...options]);
    const sim = await json<SimRecord>(["sim", name, ...options]);
    assert.deepEqual([lab.source, sim.source], ["lab", "sim"]);
    assert.deepEqual(shared(lab.cases), shared(sim.cases), name);
    for (const [i, c] of lab.cases.entries()) {
      const simKeys = Object.keys(sim.cases[i]!);
      assert.deepEqual(
        Object.keys(c).filter((k) => !simKeys.includes(k)),
        ["measured", "claims", "verdict", "evidence"],
      );
      assert.deepEqual(Object.keys(c.measured), Object.keys(c.predicted), `${name}: measured in the predicted fields`);
    }
  }
});

/** How to run the command without root: as it is, or, as root, through setpriv as nobody (if it is there). */
const unprivileged = !isRoot()
  ? [process.execPath, "bin/socketkit.js"]
  : spawnSync("setpriv", ["--version"]).status === 0
    ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "bin/socketkit.js"]
    : null;

test(
  "without root, --netns, --pcap and a sysctl option say what is missing in one line, in English or Chinese, exit 3",
  { skip: unprivileged === null && "as root this needs setpriv (util-linux) to drop it" },
  async () => {
    for (const args of [
      ["lab", "backlog", "--netns"],
      ["lab", "backlog", "--pcap", "/tmp/never.pcap"],
      ["lab", "backlog", "--somaxconn", "7"],
    ]) {
      const run = start(args, unprivileged!);
      assert.equal(await run.exit, 3, args.join(" ") + run.stderr());
      assert.match(run.stderr(), /^socketkit lab: this experiment needs root to create [^\n]+\n$/);
    }
    const zh = start(["lab", "overflow", "--lang", "zh"], unprivileged!);
    assert.equal(await zh.exit, 3);
    assert.match(zh.stderr(), /^socketkit lab：这个实验需要 root 权限：[^\n]+\n$/);
  },
);

test(
  "socketkit lab --netns runs the experiment in a namespace of its own and shows its result",
  { skip: needsRoot },
  async () => {
    const r = await json<ResultOf<"handshake">>(["lab", "handshake", "--netns"], 15000);
    assert.deepEqual(r.verdict, agree);
    assert.equal(r.cases[0]!.measured.queueAfterConnect, 1);
    const text = start(["lab", "early-close", "--netns", "--hold", "300"]);
    assert.equal(await within(15000, "lab early-close --netns", text.exit), 0, text.stderr());
    assert.match(text.stdout(), /after the hold the accept queue still held 1: no timeout removed it/);
    assert.match(text.stdout(), /Verdict: all 5 claims hold/);
  },
);

test("socketkit sim backlog takes the lab's options and predicts the lab's fields", async () => {
  const r = await json<SimRecord>(["sim", "backlog", "--backlog", "5", "--clients", "10"]);
  assert.deepEqual(r.options, { backlog: 5, clients: 10, "drain-at": 0.3, somaxconn: null, "syn-retries": null });
  const p = r.cases[0]!.predicted;
  assert.deepEqual([p.established, p.synSent, p.listenOverflows, p.retransmissions], [6, 4, 4, "0 ×6, 1 ×4"]);
});

test("socketkit sim runs every experiment's model from the lab's options", async () => {
  for (const name of ["handshake", "backlog", "early-close", "overflow", "synqueue"]) {
    const r = await json<SimRecord>(["sim", name]);
    assert.equal(r.experiment, name);
  }
});
