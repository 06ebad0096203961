// No work at import time: a process started as a worker (SOCKETKIT_WORKER set) keeps the variable, and watches
// no lifeline, until a server asks for its role; then the variable is gone, so that a program a handler starts
// is an ordinary process. Each case runs test/fixtures/forking/role-at-import.ts as its own process.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { ROOT } from "../helpers/cli.js";

function run(which: "server" | "all", role: string): string[] {
  const child = spawnSync(process.execPath, ["--import", "tsx", "test/fixtures/forking/role-at-import.ts", which], {
    cwd: ROOT,
    env: { ...process.env, SOCKETKIT_WORKER: role },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(child.status, 0, child.stderr);
  return child.stdout.trim().split("\n");
}

test("importing socketkit/server leaves SOCKETKIT_WORKER in place; the first isWorkerProcess() reads and removes it", () => {
  assert.deepEqual(run("server", "forking:Echo([], Handler)"), [
    "imported forking:Echo([], Handler)",
    "asked true none",
  ]);
});

test("importing socketkit with deploy starts no watch on a parent that is not there; workerTag() then reads the role", () => {
  // A group worker's lifeline is fd 4, which this process does not have: a watch started at import would fail.
  assert.deepEqual(run("all", "group:3"), ["imported group:3", 'asked "[worker 3] " none']);
});
