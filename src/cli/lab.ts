// `socketkit lab <experiment>` and `socketkit sim <experiment>`: run an experiment on this kernel (lab) or in the
// model (sim), print a timeline and a sequence diagram, or one JSON object with --json.

import { parseArgs } from "node:util";
import { release } from "node:os";
import { runBacklog } from "../lab/backlog.js";
import { runEarlyClose } from "../lab/early-close.js";
import { runHandshake } from "../lab/handshake.js";
import { runOverflow } from "../lab/overflow.js";
import { runSynQueue } from "../lab/synqueue.js";
import { runInPrivateNetns } from "../lab/private-namespace.js";
import type { TimelineStep, Verdict } from "../lab/result.js";
import { readListenSysctls } from "../kernel/sysctl.js";
import { runScenario, SCENARIOS, type Scenario } from "../sim/scenarios.js";
import { parseKernelVersion } from "../sim/params.js";
import { UsageError } from "./messages.js";
import { renderPackets, renderSequence, summarizePackets } from "./sequence.js";
import { parseCount } from "./options.js";

export const labHelp = `Usage: socketkit lab <experiment> [--json] [options]
       socketkit sim <experiment> [the lab's options] [--json] [--timeline]

Experiments on this machine's kernel, each compared with the model's prediction:
  handshake              connect() completes before accept(); the accept queue goes 0 → 1 → 0
  backlog                --backlog N --clients M: how many connect with no accept(), who waits, when they get in
  early-close            a client that sends and closes before accept() is still accepted, bytes and EOF intact
  overflow               (root) the accept queue fills between SYN-ACK and ACK: tcp_abort_on_overflow 0 versus 1
  synqueue               (root) half-open requests held in SYN-RECV with tcp_syncookies 0, 1 and 2
  --netns                run inside a private network namespace (root): its counters see only this experiment
'socketkit sim <experiment>' runs the model alone with the same options (sim backlog prints the lab's fields).`;

const SEQUENCE = `
   client                        kernel (listening socket)                  application
     |  connect(): SYN  ------------->|                                          |
     |<-------------------  SYN-ACK   |  request in the SYN queue                |
     |  ACK  ------------------------>|  connection moves to the accept queue    |
  connect() returns                   |                                          |
     |                                |<-------------------------------  accept()|
     |                                |  accept() returns a new socket ---------->|`;

function printTimeline(timeline: TimelineStep[]): void {
  console.log(renderSequence(timeline));
}

function printVerdict(verdict: Verdict): void {
  console.log(
    verdict.agree
      ? "\nVerdict: the kernel did what the model predicts."
      : `\nVerdict: the kernel and the model disagree:\n  ${verdict.differences.join("\n  ")}`,
  );
}

function options(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      backlog: { type: "string" },
      clients: { type: "string", default: "10" },
      hold: { type: "string", default: "1000" },
      netns: { type: "boolean", default: false },
      timeline: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  }).values;
}

export async function lab(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const o = options(rest);
  if (name === undefined || name === "--help" || name === "-h" || o.help) {
    console.log(labHelp);
    return name === undefined ? 2 : 0;
  }
  // With --netns the experiment runs in a private network namespace, so no other traffic moves its counters; its
  // result comes back here and is shown the same way.
  const netns = o.netns;
  switch (name) {
    case "handshake": {
      const r = await (netns ? runInPrivateNetns("handshake", {}) : runHandshake());
      if (o.json) return json(r);
      console.log("The three-way handshake, on this kernel. Watch the accept queue: the client's connect() returns");
      console.log("before the server calls accept(), because the kernel completes the handshake on its own.\n");
      for (const s of r.steps) {
        console.log(`${s.t.toFixed(2).padStart(8)} ms  ${s.step}  (accept queue: ${s.acceptQueue})`);
        for (const [who, repr] of Object.entries(s.sockets)) console.log(`             ${who.padEnd(9)} ${repr}`);
      }
      if (r.packets) {
        console.log("\nOn the wire (captured by the delay line between two private namespaces), ms:");
        console.log(renderPackets(r.packets));
      } else {
        console.log("\n(Run as root to see the SYN, SYN-ACK and ACK packets with their times.)");
      }
      console.log(SEQUENCE);
      const [, connected, accepted] = r.steps;
      console.log(`\nconnect() had returned at ${connected!.t} ms with the connection waiting in the accept queue (depth ${connected!.acceptQueue});`);
      console.log(`accept() took it out at ${accepted!.t} ms (depth ${accepted!.acceptQueue}) and returned a new socket with its own fd.`);
      console.log("\nWhat the fields mean:");
      for (const [field, note] of Object.entries(r.fields)) console.log(`  ${field.padEnd(7)} ${note}`);
      printVerdict(r.verdict);
      return r.verdict.agree ? 0 : 1;
    }
    case "backlog": {
      const options = { backlog: parseCount(o.backlog ?? "5", "--backlog"), clients: parseCount(o.clients!, "--clients", 1) };
      const r = await (netns ? runInPrivateNetns("backlog", options) : runBacklog(options));
      if (o.json) return json(r);
      console.log(`listen(${r.backlog}) with somaxconn ${r.somaxconn}: the kernel completes min(${r.backlog}, ${r.somaxconn}) + 1 = ${Math.min(r.backlog, r.somaxconn) + 1} handshakes with no accept()\n`);
      printTimeline(r.timeline);
      console.log(`\n  established ${r.established}   SYN-SENT ${r.synSent}   ListenOverflows +${r.listenOverflowsDelta}   (model: ${r.predicted.established}, ${r.predicted.synSent}, +${r.predicted.listenOverflowsDelta})`);
      console.log(`  waiting clients got in ${r.waitedAfterDrainMs.map((w) => (w === null ? "never" : `${w} ms`)).join(", ") || "-"} after the drain, at their SYN retransmission (tcp_syn_linear_timeouts=${r.sysctls.tcpSynLinearTimeouts})`);
      printVerdict(r.verdict);
      return r.verdict.agree ? 0 : 1;
    }
    case "early-close": {
      const options = { holdMs: parseCount(o.hold!, "--hold") };
      const r = await (netns ? runInPrivateNetns("early-close", options) : runEarlyClose(options));
      if (o.json) return json(r);
      printTimeline(r.timeline);
      console.log(`\n  server side ${r.measured.serverState}, client side ${r.measured.clientState}; still queued after ${r.holdMs} ms: ${r.measured.queuedAfterHold}`);
      printVerdict(r.verdict);
      return r.verdict.agree ? 0 : 1;
    }
    case "overflow": {
      const options = o.backlog === undefined ? {} : { backlog: parseCount(o.backlog, "--backlog") };
      const r = await (netns ? runInPrivateNetns("overflow", options) : runOverflow(options));
      if (o.json) return json(r);
      console.log(`listen(${r.backlog}) already holding ${r.backlog}, then a burst of ${r.burst} over a ${2 * r.oneWayDelayMs} ms round trip\n`);
      for (const c of r.cases) {
        const m = c.measured;
        console.log(`tcp_abort_on_overflow=${c.abortOnOverflow}: ${m.connected} connect() calls succeeded, ${m.reset} reset at the first recv(), accept queue ${m.acceptQueue}, ListenOverflows +${m.listenOverflows}`);
        console.log(`  after the drain ${m.acceptedAfterDrain} were accepted; ${m.neverAccepted} believe they are connected but were never accepted`);
        console.log(`  a SYN arriving at the full queue was ${m.lateSynAnswered === "no" ? "dropped silently (no SYN-ACK, no RST)" : "answered"}`);
        console.log(renderPackets(c.packets) + "\n");
      }
      printVerdict(r.verdict);
      return r.verdict.agree ? 0 : 1;
    }
    case "synqueue": {
      const r = await (netns ? runInPrivateNetns("synqueue", {}) : runSynQueue());
      if (o.json) return json(r);
      console.log(`listen(${r.backlog}), tcp_max_syn_backlog ${r.maxSynBacklog}, ${r.clients} SYNs at once, final ACKs held ${r.holdMs} ms\n`);
      for (const c of r.cases) {
        const m = c.measured;
        console.log(`tcp_syncookies=${c.syncookies}: SYN-RECV ${m.synRecv}, syncookies sent ${m.cookiesSent}, SYNs dropped ${m.listenDrops}   (model: ${c.predicted.synRecv}, ${c.predicted.cookiesSent}, ${c.predicted.listenDrops})`);
        console.log(summarizePackets(c.packets) + "\n");
      }
      printVerdict(r.verdict);
      return r.verdict.agree ? 0 : 1;
    }
    default:
      throw new UsageError(`unknown experiment '${name}' (try: handshake, backlog, early-close, overflow, synqueue)`);
  }
}

function json(result: unknown): number {
  console.log(JSON.stringify(result, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2));
  return (result as { verdict?: Verdict }).verdict?.agree === false ? 1 : 0;
}

export async function sim(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const o = options(rest);
  if (name === undefined || o.help || name === "--help" || name === "-h") {
    console.log(labHelp);
    return name === undefined ? 2 : 0;
  }
  if (!(SCENARIOS as readonly string[]).includes(name)) {
    throw new UsageError(`unknown experiment '${name}' (try: ${SCENARIOS.join(", ")})`);
  }
  const s = readListenSysctls();
  const sysctls = {
    somaxconn: s.somaxconn || 4096,
    tcpSynLinearTimeouts: s.tcpSynLinearTimeouts,
    tcpSynRetries: s.tcpSynRetries || 6,
    tcpSynackRetries: s.tcpSynackRetries || 5,
  };
  const runs = runScenario(name as Scenario, {
    backlog: o.backlog === undefined ? undefined : parseCount(o.backlog, "--backlog"),
    clients: parseCount(o.clients!, "--clients", 1),
    holdMs: parseCount(o.hold!, "--hold", 1),
    kernel: parseKernelVersion(release()),
    sysctls,
  });
  if (name === "backlog") {
    // The same fields as `socketkit lab backlog --json`.
    const r = runs[0]!.result;
    const drain = r.params.acceptFromMs ?? 0;
    const out = {
      experiment: "backlog",
      model: true,
      backlog: r.params.backlog,
      somaxconn: r.params.somaxconn,
      clients: r.params.clients,
      established: r.observation.established,
      synSent: r.observation.synSent,
      listenOverflowsDelta: r.observation.counters.ListenOverflows,
      waitedAfterDrainMs: r.connections.filter((c) => c.connectedAt !== null && c.connectedAt > drain).map((c) => Math.round(c.connectedAt! - drain)),
    };
    if (o.json) {
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    console.log(`model: listen(${out.backlog}), somaxconn ${out.somaxconn}, ${out.clients} clients, accept() from ${drain} ms`);
    console.log(`  established ${out.established}   SYN-SENT ${out.synSent}   ListenOverflows +${out.listenOverflowsDelta}`);
    console.log(`  waiting clients get in ${out.waitedAfterDrainMs.map((w) => `${w} ms`).join(", ") || "-"} after the drain`);
  } else if (o.json) {
    console.log(JSON.stringify(runs.map((r) => ({ label: r.label, ...r.result })), null, 2));
    return 0;
  }
  for (const run of runs) {
    const r = run.result;
    if (name !== "backlog") {
      console.log(`model: ${run.label}`);
      console.log(`  at ${r.observation.at} ms: ${r.observation.established} connected, ${r.observation.synSent} in SYN-SENT, accept queue ${r.observation.acceptQueue}, SYN queue ${r.observation.synQueue}`);
      console.log(`  counters: ${Object.entries(r.observation.counters).map(([k, v]) => `${k} ${v}`).join("  ")}`);
    }
    if (o.timeline || name !== "backlog") {
      for (const c of r.connections) {
        console.log(`  client ${c.id}:`);
        for (const e of c.timeline) console.log(`  ${e.t.toFixed(2).padStart(10)} ms  client ${e.client.padEnd(10)} server ${e.server.padEnd(10)} ${e.event}`);
      }
    }
    console.log("");
  }
  return 0;
}
