// What reaches a terminal: colour only on a terminal and never with NO_COLOR, lines within 100 columns, folded
// repeats, and the languages the docs promise.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { columns } from "../../src/lab/view.js";
import { ROOT, start } from "../helpers/cli.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;

/** Runs socketkit under `script`, which gives it a terminal, and returns what the terminal received. */
function onTerminal(args: string, env: Record<string, string> = {}): string {
  const r = spawnSync("script", ["-qec", `${process.execPath} bin/socketkit.js ${args}`, "/dev/null"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, COLUMNS: "120", ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test(
  "colour on a terminal, none with NO_COLOR, none into a pipe",
  { skip: !hasScript && "needs script(1)" },
  async () => {
    assert.match(onTerminal("sim backlog"), /\x1b\[1mmodel: listen\(5\)/);
    assert.doesNotMatch(onTerminal("sim backlog", { NO_COLOR: "1" }), /\x1b\[/);
    const piped = start(["sim", "backlog"]);
    assert.equal(await piped.exit, 0);
    assert.doesNotMatch(piped.stdout(), /\x1b\[/);
  },
);

test("sim output fits 100 columns even for 2,000 clients, and speaks Chinese with --lang zh", async () => {
  const run = start(["sim", "backlog", "--clients", "2000", "--timeline"]);
  assert.equal(await run.exit, 0, run.stderr());
  const lines = run.stdout().split("\n");
  for (const l of lines) assert.ok(columns(l) <= 100, `${columns(l)} columns: ${l.slice(0, 60)}…`);
  assert.match(run.stdout(), /more like these/, "2,000 alike timelines are folded");
  const zh = start(["sim", "synqueue", "--lang", "zh"]);
  assert.equal(await zh.exit, 0);
  assert.match(zh.stdout(), /^模型：tcp_syncookies=0/m);
  assert.match(zh.stdout(), /队列深度随时间的变化（模型）/);
});

test("lab handshake --lang zh explains the socket's fields in Chinese, and --json keeps the English notes", async () => {
  const zh = start(["lab", "handshake", "--lang", "zh"]);
  assert.equal(await zh.exit, 0, zh.stderr());
  assert.match(zh.stdout(), /^各字段的含义：$/m);
  assert.match(zh.stdout(), /^ {2}fd {6}文件描述符/m);
  const json = start(["lab", "handshake", "--json"]);
  assert.equal(await json.exit, 0, json.stderr());
  const r = JSON.parse(json.stdout()) as { cases: Array<{ evidence: { fields: { fd: string } } }> };
  assert.match(r.cases[0]!.evidence.fields.fd, /^the file descriptor/);
});
